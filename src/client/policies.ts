import type { Clock } from "../clock.js";
import type { Policy } from "../middleware/policy.js";
import type { Store } from "../stores/types.js";

/** Client options that switch on shared-state policies. */
export type PolicyOptions = {};

/** What every policy of one client shares. */
export interface PolicyContext {
  store: Store;
  clock: Clock;
}

/** Policies that wrap the whole call, outside timeouts and retries (cache, dedupe). */
export function callPolicies(_options: PolicyOptions, _ctx: PolicyContext): Policy[] {
  return [];
}

/** Policies every attempt passes, inside retry: rate limit, circuit breaker, concurrency. */
export function attemptPolicies(_options: PolicyOptions, _ctx: PolicyContext): Policy[] {
  return [];
}
