import { StoreError } from "../errors.js";
import { toStoreError } from "./bounded.js";

/**
 * Runs one store operation under the store's time limit: its failure, or no
 * answer within `ms`, is a `StoreError`. An answer that comes after the limit
 * is handed to `onLate` (to give back a permit or lock nobody will use).
 */
export function withinStoreTimeout<T>(operation: string, ms: number, work: Promise<T>, onLate?: (value: T) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let late = false;
    const timer = setTimeout(() => {
      late = true;
      reject(new StoreError(operation, `did not answer within ${ms} ms`, { timedOut: true }));
    }, ms);
    timer.unref();
    work.then(
      (value) => {
        clearTimeout(timer);
        if (late) onLate?.(value);
        else resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        if (!late) reject(toStoreError(operation, err));
      },
    );
  });
}
