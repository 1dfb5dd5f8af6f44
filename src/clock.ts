import { setTimeout as delay } from "node:timers/promises";

/**
 * Time, injected. Policies never call `Date.now()` or `setTimeout` directly, so
 * tests can drive them with a fake clock (`ballast/testing`: `createFakeClock`).
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`; rejects with the signal's reason if it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Calls `fn` after `ms` unless the returned function is called first. Never keeps the process alive. */
  schedule(ms: number, fn: () => void): () => void;
}

export const systemClock: Clock = {
  now: Date.now,
  sleep(ms, signal) {
    if (ms <= 0 && !signal?.aborted) return Promise.resolve();
    return delay(ms, undefined, signal ? { signal } : undefined);
  },
  schedule(ms, fn) {
    const timer = setTimeout(fn, ms);
    timer.unref();
    return () => clearTimeout(timer);
  },
};
