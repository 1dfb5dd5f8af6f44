import { isAbortError, isApiError, isCircuitOpenError, isRateLimitError, isStoreError, isTimeoutError } from "../../errors.js";
import type { ApiResponse } from "../../types.js";

/** What a request came to: a response (any status) or a thrown error. */
export type Outcome = { response: ApiResponse; error?: undefined } | { response?: undefined; error: unknown };

/**
 * Errors that say nothing about the server's health, because they come from
 * this side: the caller aborting (`AbortError`), a local policy refusing
 * (`RateLimitError` from the rate limiter, `CircuitOpenError` from an inner
 * breaker), a shared store failing (`StoreError`: the request was not sent)
 * and a `TimeoutError` with `sent: false` (it ran out waiting for a
 * concurrency permit, or past the deadline already). The breaker
 * records no outcome for them, and a probe gives its slot back.
 */
export function isLocalError(error: unknown): boolean {
  return isAbortError(error) || isRateLimitError(error) || isCircuitOpenError(error) || isStoreError(error) || (isTimeoutError(error) && !error.sent);
}

/**
 * The default failure test: network errors, timeouts and 5xx responses are
 * failures; 4xx responses are not (they are the caller's mistake, not the
 * server's health), nor are local errors (`isLocalError`).
 */
export function isServerFailure(outcome: Outcome): boolean {
  if (outcome.response) return outcome.response.status >= 500;
  const e = outcome.error;
  if (isLocalError(e)) return false;
  return isApiError(e) || e instanceof Error;
}
