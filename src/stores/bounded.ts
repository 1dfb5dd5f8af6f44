import type { Clock } from "../clock.js";
import { type ErrorRequest, isStoreError, StoreError } from "../errors.js";
import { abortError } from "../util/abort.js";

/** A store's failure as a `StoreError` (kept as it is when it already is one). */
export function toStoreError(operation: string, err: unknown, request?: ErrorRequest): StoreError {
  if (isStoreError(err)) {
    if (err.request !== undefined || request === undefined) return err;
    // The store does not know the request: name it, as every ballast error does.
    const problem = err.message.slice(`store ${err.operation} `.length);
    return new StoreError(err.operation, problem, { cause: err.cause, timedOut: err.timedOut, request });
  }
  const why = err instanceof Error ? err.message : String(err);
  return new StoreError(operation, `failed: ${why}`, { cause: err, request });
}

/** What a wait on the store is bounded by: the call's deadline and signal. */
export interface StoreBound {
  clock: Clock;
  /** Clock time the call must end by. */
  deadline?: number | undefined;
  signal?: AbortSignal | undefined;
  request?: ErrorRequest | undefined;
}

/**
 * Waits for one store call, but never past the call's deadline or its signal:
 * the store's failure becomes a `StoreError`, a deadline that passes first a
 * `StoreError` with `timedOut`, an abort the caller's `AbortError`. A store
 * call that answers after the wait gave up is handed to `onLate` (to give back
 * a permit or a lock nobody will use).
 */
export function awaitStore<T>(operation: string, call: () => Promise<T>, bound: StoreBound, onLate?: (value: T) => void): Promise<T> {
  const { clock, deadline, signal, request } = bound;
  if (signal?.aborted) return Promise.reject(abortError(signal.reason, request));
  let work: Promise<T>;
  try {
    work = call();
  } catch (err) {
    return Promise.reject(toStoreError(operation, err, request));
  }
  if (deadline === undefined && signal === undefined) return work.catch((err: unknown) => Promise.reject(toStoreError(operation, err, request)));
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const finish = () => {
      settled = true;
      cancel?.();
      signal?.removeEventListener("abort", onAbort);
    };
    const onAbort = () => {
      if (settled) return;
      finish();
      reject(abortError((signal as AbortSignal).reason, request));
    };
    const cancel =
      deadline === undefined
        ? undefined
        : clock.schedule(Math.max(0, deadline - clock.now()), () => {
            if (settled) return;
            finish();
            reject(new StoreError(operation, "did not answer before the call's deadline", { timedOut: true, request }));
          });
    signal?.addEventListener("abort", onAbort, { once: true });
    work.then(
      (value) => {
        if (settled) onLate?.(value);
        else {
          finish();
          resolve(value);
        }
      },
      (err: unknown) => {
        if (settled) return;
        finish();
        reject(toStoreError(operation, err, request));
      },
    );
  });
}
