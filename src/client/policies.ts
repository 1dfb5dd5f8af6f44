import type { Clock } from "../clock.js";
import { ConfigError } from "../errors.js";
import { type CacheOptions, cache } from "../middleware/cache/cache.js";
import { type CircuitBreakerOptions, circuitBreaker } from "../middleware/circuit-breaker/circuit-breaker.js";
import { type ConcurrencyOptions, concurrency } from "../middleware/concurrency/concurrency.js";
import { type DedupeOptions, dedupe } from "../middleware/dedupe/dedupe.js";
import type { Policy } from "../middleware/policy.js";
import { type RateLimitOptions, rateLimit } from "../middleware/rate-limit/rate-limit.js";
import type { Store } from "../stores/types.js";
import type { ApiRequest } from "../types.js";
import type { CredentialKey } from "../util/fingerprint.js";

/** Client options that switch on shared-state policies. Each is off unless given. */
export interface PolicyOptions {
  /** Client-side rate limit (GCRA), shared through `store`: `{ limits: [{ requests: 100, per: "1s" }] }`. */
  rateLimit?: RateLimitOptions | false;
  /** Circuit breaker per origin: `{ failureRate: 0.5, minimumRequests: 20 }`. */
  circuitBreaker?: CircuitBreakerOptions | false;
  /** Max requests in flight: a number, or `{ limit, key, lease }`. */
  concurrency?: number | ConcurrencyOptions | false;
  /** RFC 9111 HTTP cache: `true` for a 50 MB in-memory LRU, or options. */
  cache?: CacheOptions | boolean;
  /** Share identical in-flight GET/HEAD calls: `true`, or options. */
  dedupe?: DedupeOptions | boolean;
}

/** What every policy of one client shares. */
export interface PolicyContext {
  store: Store;
  clock: Clock;
  /** Fingerprint of the client's static credential (auth runs inside the limiter, so the limiter cannot see it). */
  credential: string | undefined;
  /** How the cache tells the credential auth will send (see `CacheOptions.credential`). */
  credentialKey?: CredentialKey | "unknown" | undefined;
}

type Named = [name: string, policy: Policy];

function object<T>(value: T | boolean | undefined, option: string): T | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return {} as T;
  if (typeof value !== "object" || value === null) throw new ConfigError(option, "must be an options object, true or false");
  return value;
}

/** Policies that wrap the whole call, outside timeouts and retries: cache, then dedupe. */
export function callPolicies(o: PolicyOptions, { clock, credentialKey }: PolicyContext): Named[] {
  const out: Named[] = [];
  const c = object<CacheOptions>(o.cache, "cache");
  if (c) out.push(["cache", cache({ clock, ...(credentialKey !== undefined && { credential: credentialKey }), ...c })]);
  const d = object<DedupeOptions>(o.dedupe, "dedupe");
  if (d) out.push(["dedupe", dedupe(d)]);
  return out;
}

/**
 * Policies every attempt passes, inside retry: the breaker first (an open
 * circuit fails fast without spending quota or waiting in the limiter's
 * queue), then the rate limiter (its waits end at the call's deadline).
 */
export function attemptPolicies(o: PolicyOptions, { store, clock, credential }: PolicyContext): Named[] {
  const out: Named[] = [];
  const cb = object<CircuitBreakerOptions>(o.circuitBreaker, "circuitBreaker");
  if (cb) out.push(["circuitBreaker", circuitBreaker({ store, clock, ...cb })]);
  const rl = object<RateLimitOptions>(o.rateLimit, "rateLimit");
  if (rl) {
    // A quota belongs to the credential: key by origin + its fingerprint when auth's credential is static.
    const key = rl.key ?? (credential === undefined ? undefined : credentialKey(credential));
    out.push(["rateLimit", rateLimit({ store, clock, ...rl, ...(key !== undefined && { key }) })]);
  }
  return out;
}

/** Keys a quota by origin + credential fingerprint; the last origin's key is kept (one string per origin, not per request). */
function credentialKey(credential: string): (req: ApiRequest) => string {
  let origin: string | undefined;
  let key = "";
  return (req) => {
    if (req.origin !== origin) {
      origin = req.origin;
      key = `${origin}#${credential}`;
    }
    return key;
  };
}

/** The concurrency limit: inside the attempt timer, so waiting for a permit counts against the attempt and the deadline. */
export function concurrencyPolicy(o: PolicyOptions, { store, clock }: PolicyContext): Named[] {
  if (o.concurrency === undefined || o.concurrency === false) return [];
  const cc = typeof o.concurrency === "number" ? { limit: o.concurrency } : o.concurrency;
  return [["concurrency", concurrency({ store, clock, ...cc } as ConcurrencyOptions)]];
}
