import { isAbortError, isApiError, isCircuitOpenError, isRateLimitError } from "../../errors.js";
import type { ApiResponse } from "../../types.js";

/** What a request came to: a response (any status) or a thrown error. */
export type Outcome = { response: ApiResponse; error?: undefined } | { response?: undefined; error: unknown };

/**
 * The default failure test: network errors, timeouts and 5xx responses are
 * failures; 4xx responses are not (they are the caller's mistake, not the
 * server's health), nor is the caller aborting, nor another policy refusing.
 */
export function isServerFailure(outcome: Outcome): boolean {
  if (outcome.response) return outcome.response.status >= 500;
  const e = outcome.error;
  if (isAbortError(e) || isRateLimitError(e) || isCircuitOpenError(e)) return false;
  return isApiError(e) || e instanceof Error;
}
