import { AbortError, type ApiError, describeRequest, type ErrorRequest, isApiError } from "../errors.js";
import type { ApiRequest } from "../types.js";

type Described = Pick<ApiRequest, "method" | "origin" | "path"> | ErrorRequest | undefined;

/**
 * The error a call ends with when its signal aborted: the reason itself when
 * it is a ballast error (a deadline's `TimeoutError`), else an `AbortError`
 * carrying it, naming the request (redacted).
 */
export function abortError(reason: unknown, request?: Described, cause?: unknown): ApiError {
  if (isApiError(reason)) return reason;
  const described = request === undefined ? undefined : "url" in request ? request : describeRequest(request);
  return new AbortError(reason, { request: described, ...(cause !== undefined && { cause }) });
}

/**
 * `pending`, or the signal's abort (`abortError` of its reason) if that comes
 * first. `pending` goes on; its outcome is then ignored.
 */
export function untilAborted<T>(pending: Promise<T>, signal: AbortSignal, request?: Described): Promise<T> {
  if (signal.aborted) {
    pending.catch(() => {}); // nobody waits for it any more
    return Promise.reject(abortError(signal.reason, request));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal.reason, request));
    signal.addEventListener("abort", onAbort, { once: true });
    pending.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}
