import { type Clock, systemClock } from "../clock.js";
import { compose, trusted } from "../compose.js";
import { type Logger, type LoggingOptions, logging } from "../middleware/logging/logging.js";
import type { Policy } from "../middleware/policy.js";
import { redirects, withoutCrossOriginCredentials } from "../middleware/redirect/redirect.js";
import { type RetryOptions, retry } from "../middleware/retry/retry.js";
import { attemptDeadline, callDeadline } from "../middleware/timeout/timeout.js";
import { readResponse } from "../response/finish.js";
import type { Middleware, Next } from "../types.js";
import { credentialKeyOf, credentialOf } from "../util/fingerprint.js";
import { observeAttempts } from "./observe.js";
import type { ClientConfig, ClientOptions } from "./options.js";
import { attemptPolicies, callPolicies, concurrencyPolicy } from "./policies.js";
import { retryWithLogging } from "./retry-logging.js";
import type { Shared } from "./shared.js";

/** A step of the pipeline: a middleware, one named for `client.stats()`, or nothing when its option is off. */
type Step = Middleware | [name: string, policy: Policy] | undefined | false;

/**
 * The pipeline, outer to inner, as the README draws it: stats, logging,
 * cache/dedupe, total timeout, redirects, retry, circuit breaker, rate limit,
 * attempt timeout, concurrency, response reading, auth, `use`, transport.
 * Each attempt (which the server counts) passes the rate limiter and the
 * breaker and reads its body before it ends, so its timer, its permit and
 * retry cover the body; the total timeout bounds every wait.
 */
export function buildPipeline(options: ClientOptions, config: ClientConfig, shared: Shared): { send: Next; policies: Record<string, Policy> } {
  const { clock, store, transport } = shared;
  const ctx = { clock, store, credential: credentialOf(options.auth), credentialKey: credentialKeyOf(options.auth) };
  const log = options.logger ? toLoggingOptions(options.logger, clock) : undefined;
  // A fake clock must drive every timer, so the transport's own (real-time) timers are only used with the system clock.
  const transportTimers = transport.enforcesTimeouts === true && clock === systemClock;
  const retryStep = (): Step => {
    const r = retry({ clock, ...retryWithLogging(options.retry as RetryOptions | false | undefined, log), budget: shared.budget ?? false });
    return options.retry === false ? r : ["retry", r];
  };
  return assemble(
    [
      trusted(shared.stats.middleware),
      log && logging(log),
      ...callPolicies(options, ctx),
      callDeadline(config.totalTimeout, clock),
      redirects(config.redirect, config.idempotencyHeader),
      retryStep(),
      ...attemptPolicies(options, ctx),
      attemptDeadline(config.attemptTimeout, config.totalTimeout, clock, transportTimers),
      ...concurrencyPolicy(options, ctx),
      readResponse,
      options.auth && withoutCrossOriginCredentials(options.auth),
      ...(options.use ?? []),
    ],
    observeAttempts(transport, clock),
  );
}

function assemble(steps: Step[], transport: Next): { send: Next; policies: Record<string, Policy> } {
  const chain: Middleware[] = [];
  const policies: Record<string, Policy> = {};
  for (const step of steps) {
    if (!step) continue;
    if (Array.isArray(step)) {
      const [name, policy] = step;
      policies[name] = policy;
      chain.push(policy);
    } else chain.push(step);
  }
  return { send: compose(chain, transport), policies };
}

function toLoggingOptions(logger: Logger | LoggingOptions, clock: Clock): LoggingOptions {
  return "logger" in logger ? { clock, ...logger } : { logger, clock };
}
