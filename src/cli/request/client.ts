import { CHANNELS, subscribeChannel } from "../../channels.js";
import { type Client, createClient } from "../../client/create-client.js";
import { apiKey, bearer } from "../../middleware/auth/auth.js";
import type { RateLimitOptions } from "../../middleware/rate-limit/rate-limit.js";
import type { RetryOptions } from "../../middleware/retry/retry.js";
import type { Middleware } from "../../types.js";
import { usageError } from "../exit.js";
import { secretFromEnv } from "../options.js";

/** What happened during a command's calls, for progress bars and summaries. */
export interface CallCounters {
  retries: number;
  rateLimitWaits: number;
}

export interface ClientFlags {
  baseUrl?: string | undefined;
  bearerEnv?: string | undefined;
  apiKeyEnv?: string | undefined;
  apiKeyHeader?: string | undefined;
  timeout?: number | undefined;
  retries?: number | undefined;
  /** Requests per second this client allows itself (it also pauses when the server says the quota is spent). */
  rate?: number | undefined;
}

/** Auth middleware from `--bearer-env` / `--api-key-env`: the secret is read from the environment, never from the command line. */
export function authFromFlags(flags: ClientFlags, env: NodeJS.ProcessEnv = process.env): Middleware | undefined {
  if (flags.bearerEnv !== undefined && flags.apiKeyEnv !== undefined) throw usageError("give one of --bearer-env and --api-key-env, not both");
  if (flags.bearerEnv !== undefined) return bearer(secretFromEnv(flags.bearerEnv, "--bearer-env", env));
  if (flags.apiKeyEnv !== undefined) return apiKey({ header: flags.apiKeyHeader ?? "x-api-key", value: secretFromEnv(flags.apiKeyEnv, "--api-key-env", env) });
  return undefined;
}

/**
 * The origin to call: `--base-url`, or the origin of an absolute URL given as
 * the path. A relative path without a base URL is a usage error.
 */
export function baseUrlFor(target: string, flags: ClientFlags): string {
  if (flags.baseUrl !== undefined) return flags.baseUrl;
  if (/^https?:\/\//i.test(target)) return new URL(target).origin;
  throw usageError(`${JSON.stringify(target)} is a relative path: give a full URL, --base-url URL, or a provider`);
}

/**
 * Counts every wait for a rate-limit slot (the client's own limit, and pauses
 * learned from the server's 429s and rate-limit headers) in `counters`, until
 * the returned function is called.
 */
export function countRateLimitWaits(counters: CallCounters): () => void {
  return subscribeChannel(CHANNELS.rateLimitWait, () => counters.rateLimitWaits++);
}

/**
 * Policy options every CLI call runs with: retries (with backoff and
 * Retry-After) and a rate limit that also learns from the server's
 * rate-limit headers and 429s; each retry is counted.
 */
export function cliPolicies(
  flags: ClientFlags,
  counters: CallCounters,
): { retry: RetryOptions; rateLimit: RateLimitOptions; timeout: { attempt: number; total: number } } {
  const rate = flags.rate ?? 50;
  return {
    retry: { attempts: (flags.retries ?? 3) + 1, onRetry: () => counters.retries++ },
    rateLimit: { limits: [{ requests: rate, per: "1s", burst: rate }] },
    timeout: { attempt: flags.timeout ?? 30_000, total: Math.max(120_000, (flags.timeout ?? 30_000) * 4) },
  };
}

/** A client for `--base-url` (or the URL's origin) with auth from the environment. */
export function clientFromFlags(target: string, flags: ClientFlags, counters: CallCounters, env: NodeJS.ProcessEnv = process.env): Client {
  const auth = authFromFlags(flags, env);
  return createClient({
    baseUrl: baseUrlFor(target, flags),
    ...(auth && { auth }),
    ...cliPolicies(flags, counters),
  });
}
