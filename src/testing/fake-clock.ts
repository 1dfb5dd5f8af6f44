import type { Clock } from "../clock.js";

/**
 * A `Clock` whose time only moves when a test says so.
 *
 * `sleep()` and `schedule()` register a sleeper; `advance(ms)` moves time forward,
 * waking due sleepers (and calling due callbacks) one at a time in time order and letting their continuations run
 * (so code that sleeps again in a loop is woken again within the same
 * `advance` when its next wake-up is still inside the advanced span).
 */
export interface FakeClock extends Clock {
  /** Moves time forward by `ms`, waking every sleeper that falls due, in order. */
  advance(ms: number): Promise<void>;
  /** Sets the time. Moving forward wakes due sleepers (without waiting for their continuations); moving back wakes none. */
  set(ms: number): void;
  /** Number of sleepers and scheduled callbacks waiting. */
  pending(): number;
  /** Time at which the next sleeper falls due, or `undefined` when none waits. */
  nextWakeup(): number | undefined;
  /** Advances to each pending wake-up until no sleeper is left (at most `limit` wake-ups, default 10 000). */
  runAll(limit?: number): Promise<void>;
  /** Lets pending promise continuations run without moving time. */
  flush(): Promise<void>;
  /**
   * Waits (in real time, polling) until at least `count` sleepers are pending: for code that does real I/O
   * (a request to the simulator) before it sleeps. Rejects after `timeoutMs` of real time (default 5000).
   */
  waitForPending(count?: number, timeoutMs?: number): Promise<void>;
}

interface Sleeper {
  due: number;
  resolve: () => void;
  cleanup: () => void;
}

// Captured at import so tests that install fake timers do not stall `flush()` or `waitForPending()`.
const realSetImmediate = globalThis.setImmediate;
const realSetTimeout = globalThis.setTimeout;
const realNow = performance.now.bind(performance);

/** Continuations of a woken sleeper can hop through several promise ticks; a few macrotask turns drain them. */
const FLUSH_TURNS = 3;

async function flushTurns(): Promise<void> {
  for (let i = 0; i < FLUSH_TURNS; i++) await new Promise<void>((resolve) => realSetImmediate(resolve));
}

function checkTime(ms: number, name: string): void {
  if (!Number.isFinite(ms)) throw new RangeError(`fake clock: ${name} must be a finite number, got ${ms}`);
}

export function createFakeClock(start = 1_700_000_000_000): FakeClock {
  checkTime(start, "start");
  let now = start;
  // Sorted by due time; ties keep the order they went to sleep in.
  const sleepers: Sleeper[] = [];

  const insert = (s: Sleeper) => {
    let lo = 0;
    let hi = sleepers.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sleepers[mid]!.due <= s.due) lo = mid + 1;
      else hi = mid;
    }
    sleepers.splice(lo, 0, s);
  };

  const remove = (s: Sleeper) => {
    const i = sleepers.indexOf(s);
    if (i !== -1) sleepers.splice(i, 1);
  };

  /** Wakes the first sleeper if it is due at or before `limit`; returns whether one woke. */
  const wakeNext = (limit: number): boolean => {
    const first = sleepers[0];
    if (!first || first.due > limit) return false;
    sleepers.shift();
    if (first.due > now) now = first.due;
    first.cleanup();
    first.resolve();
    return true;
  };

  const clock: FakeClock = {
    now: () => now,

    sleep(ms, signal) {
      if (signal?.aborted) return Promise.reject(signal.reason);
      if (!(ms > 0)) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const sleeper: Sleeper = { due: now + ms, resolve, cleanup: () => {} };
        if (signal) {
          const onAbort = () => {
            remove(sleeper);
            reject(signal.reason);
          };
          signal.addEventListener("abort", onAbort, { once: true });
          sleeper.cleanup = () => signal.removeEventListener("abort", onAbort);
        }
        insert(sleeper);
      });
    },

    schedule(ms, fn) {
      const sleeper: Sleeper = { due: now + Math.max(0, ms), resolve: fn, cleanup: () => {} };
      insert(sleeper);
      return () => remove(sleeper);
    },

    async advance(ms) {
      checkTime(ms, "advance(ms)");
      if (ms < 0) throw new RangeError(`fake clock: advance(ms) must not be negative, got ${ms}`);
      const target = now + ms;
      await flushTurns();
      while (wakeNext(target)) await flushTurns();
      if (target > now) now = target;
      await flushTurns();
    },

    set(ms) {
      checkTime(ms, "set(ms)");
      while (wakeNext(ms)) {}
      now = ms;
    },

    pending: () => sleepers.length,

    nextWakeup: () => sleepers[0]?.due,

    async runAll(limit = 10_000) {
      await flushTurns();
      for (let woken = 0; sleepers.length > 0; woken++) {
        if (woken >= limit) throw new Error(`fake clock: runAll() woke ${limit} sleepers and more keep coming (an endless sleep loop?)`);
        wakeNext(Number.POSITIVE_INFINITY);
        await flushTurns();
      }
    },

    flush: flushTurns,

    async waitForPending(count = 1, timeoutMs = 5_000) {
      const started = realNow();
      await flushTurns();
      while (sleepers.length < count) {
        if (realNow() - started > timeoutMs) {
          throw new Error(`fake clock: waited ${timeoutMs} ms (real time) for ${count} pending sleeper(s), ${sleepers.length} pending`);
        }
        await new Promise<void>((resolve) => realSetTimeout(resolve, 1));
      }
    },
  };
  return clock;
}
