import type { Clock } from "../../clock.js";
import { describeRequest, RateLimitError, StoreError } from "../../errors.js";
import { awaitStore, toStoreError } from "../../stores/bounded.js";
import type { RateDecision, RateRule, Store } from "../../stores/types.js";
import type { ApiRequest } from "../../types.js";
import { abortError } from "../../util/abort.js";
import { estimateSlot, firstBindingInterval } from "./wait-estimate.js";
import { aheadOf, enqueue, remove, type Waiter } from "./wait-queue.js";

/**
 * How far ahead a waiting process reserves slots. Reserving ahead means the
 * slot is claimed before it is due, so slots are never lost to timer or
 * round-trip latency (the fleet keeps ~100% utilisation); the cost is that a
 * higher-priority request cannot overtake reservations made within this span.
 */
export const LOOKAHEAD_MS = 50;

/** The part of the lookahead a refused queue's next ask is spread over: asks land before the slot they were told of is due. */
const ASK_SPREAD = 0.8;

export interface AcquireOptions {
  priority?: number | undefined;
  signal?: AbortSignal | undefined;
  /** Longest this call may wait (ms); Infinity for no limit. */
  maxWait: number;
  /** The request, named (redacted) in errors. */
  request?: Pick<ApiRequest, "method" | "origin" | "path"> | undefined;
}

/** What `stats()` reports for one key. */
export interface RateLimitKeyStats {
  /** Requests the tightest limit allowed at once after the last decision. */
  remaining: number;
  /** Until when (clock ms) a server signal paused the key, if it still is. */
  pausedUntil: number | undefined;
  /** Requests of this process waiting for their turn. */
  queued: number;
  /** Requests that had to wait, and requests refused with `RateLimitError`, since start. */
  delayed: number;
  rejected: number;
  /** Reserved slots left unused because the process woke too late for them (a sign of CPU starvation). */
  stale: number;
}

interface KeyState {
  waiters: Waiter[];
  pumping: boolean;
  /** Local clock time the next slot is expected (from the last refusal). */
  nextAt: number;
  /** Local copy of the pause, so reservations made before a pause do not go out during it. */
  pausedUntil: number;
  /** What each waiter ahead costs (ms), for estimates: measured by the queue while it runs. */
  spacing: number;
  /** The slot the queue was last granted (local clock), to measure `spacing` against the next refusal. */
  lastGrantAt: number;
  /** True while the queue's store call is out: a waiter whose time runs out then fails with a `StoreError`, not a `RateLimitError`. */
  inStore: boolean;
  /** True when the last slot came from the store's fast path: `remaining` is then asked of it. */
  fast: boolean;
  /** When (clock ms) the queue's store call went out. */
  storeSentAt: number;
  remaining: number;
  delayed: number;
  rejected: number;
  stale: number;
}

export interface Limiter {
  /** Takes a slot for `key` when one is free right now with nobody waiting (stores with `rateFastPath`); false: call `acquire`. */
  tryNow(key: string): boolean;
  /** Resolves (or returns undefined at once) when the request may go; rejects with RateLimitError or the abort reason. */
  acquire(key: string, options: AcquireOptions): Promise<void> | undefined;
  /** Pauses `key` for every process sharing the store. */
  pause(key: string, ms: number): Promise<void>;
  stats(): Record<string, RateLimitKeyStats>;
}

type Described = AcquireOptions["request"];

/** A request that waits: its options with the clock time its wait must end by (Infinity: never), fixed when it started waiting. */
type Waiting = AcquireOptions & { until: number };

function described(request: Described) {
  return request && describeRequest(request);
}

function isPromise<T>(v: T | Promise<T>): v is Promise<T> {
  return v instanceof Promise;
}

/**
 * The waiting side of the rate limiter: one FIFO-within-priority queue per key
 * in this process, in front of the store's GCRA. With nobody waiting, an
 * acquire is a single store call (synchronous for the memory store).
 */
export function createLimiter(
  store: Store,
  rules: ReadonlyArray<RateRule>,
  clock: Clock,
  arrivalMargin = 0,
  /** Where in the lookahead a refused queue asks again, in [0, 1) (default Math.random); inject for tests. */
  random: () => number = Math.random,
): Limiter {
  const keys = new Map<string, KeyState>();
  const tightest = Math.min(...rules.map((r) => r.interval));
  const initialSpacing = firstBindingInterval(rules);
  /**
   * How late a reserved slot may still be used: one interval of the tightest
   * limit (at least 5 ms, what timers can keep), or the `arrivalMargin` when
   * longer. A request sent up to one interval late can put at most one extra
   * request in a server's window; one sent up to the margin late, none: the
   * limiter spaced requests for a window that much longer than the server's.
   */
  const lateness = Math.max(tightest, 5, arrivalMargin);
  /** The store's synchronous common case (no decision object, no promise), when it has one. */
  const fast = store.rateFastPath?.(rules);
  let seq = 0;

  // Most limiters see one key: remembering the last one saves a map lookup per acquire.
  let lastKey: string | undefined;
  let lastState: KeyState | undefined;

  function state(key: string): KeyState {
    if (key === lastKey) return lastState as KeyState;
    let s = keys.get(key);
    if (s === undefined) {
      s = {
        waiters: [],
        pumping: false,
        nextAt: 0,
        pausedUntil: 0,
        spacing: initialSpacing,
        lastGrantAt: Number.NaN,
        inStore: false,
        fast: false,
        storeSentAt: 0,
        remaining: 0,
        delayed: 0,
        rejected: 0,
        stale: 0,
      };
      keys.set(key, s);
    }
    lastKey = key;
    lastState = s;
    return s;
  }

  function note(s: KeyState, d: RateDecision, now: number): void {
    s.fast = false;
    s.remaining = d.remaining;
    if (d.pausedFor > 0 && now + d.pausedFor > s.pausedUntil) s.pausedUntil = now + d.pausedFor;
    if (!d.granted) s.nextAt = now + d.wait;
  }

  function reject(key: string, s: KeyState, retryAt: number, request: Described): RateLimitError {
    s.rejected++;
    return new RateLimitError(key, retryAt, { request: request && describeRequest(request) });
  }

  /**
   * Waits for a reserved slot, then goes — unless the timer fired so late (a
   * busy or descheduled process) that sending now would bunch with requests
   * sent on time for later slots: then it queues again for a fresh slot and
   * the stale one goes unused. A pause this process learned meanwhile holds
   * the request: when the pause ends within the slot's lateness (a server
   * saying "nothing left" a few ms before its quota is back, as a sliding
   * window does at every request when the client keeps its pace) the request
   * waits for its end and goes on the same slot; a longer pause sends it back
   * to the queue.
   */
  function untilSlot(key: string, s: KeyState, wait: number, o: Waiting): Promise<void> {
    const slotAt = clock.now() + wait;
    const afterSleep = (): Promise<void> | undefined => {
      const now = clock.now();
      if (s.pausedUntil > now) {
        // A pause that ends after the call's deadline sends it back to the queue, which refuses it in time.
        if (s.pausedUntil - slotAt > lateness || s.pausedUntil > o.until) return queue(key, s, o);
        return clock.sleep(s.pausedUntil - now, o.signal).then(afterSleep, () => Promise.reject(abortError(o.signal?.reason, o.request)));
      }
      if (now - slotAt <= lateness) return undefined;
      s.stale++;
      return queue(key, s, o);
    };
    return clock.sleep(wait, o.signal).then(afterSleep, () => Promise.reject(abortError(o.signal?.reason, o.request)));
  }

  /**
   * Joins the queue. A request sent back here (its slot went stale, a pause
   * came) keeps the time it started with: it may wait only what is left of it.
   */
  function queue(key: string, s: KeyState, o: Waiting): Promise<void> {
    const now = clock.now();
    const priority = o.priority ?? 0;
    const maxWait = o.until - now;
    if (maxWait <= 0) return Promise.reject(reject(key, s, Math.max(s.nextAt, now), o.request));
    if (s.waiters.length > 0) {
      const estimate = estimateSlot(s.nextAt, now, aheadOf(s.waiters, priority), s.spacing);
      if (estimate - now > maxWait) return Promise.reject(reject(key, s, estimate, o.request));
    }
    s.delayed++;
    return new Promise<void>((resolve, rejectWith) => {
      const timer = new AbortController();
      const onAbort = () => {
        if (w.settled) return;
        settle();
        rejectWith(abortError(o.signal?.reason, o.request));
      };
      const settle = () => {
        w.settled = true;
        remove(s.waiters, w);
        timer.abort();
        o.signal?.removeEventListener("abort", onAbort);
      };
      const w: Waiter = {
        priority,
        seq: seq++,
        deadline: o.until,
        settled: false,
        grant(wait) {
          settle();
          if (wait <= 0) resolve();
          else untilSlot(key, s, wait, o).then(resolve, rejectWith);
        },
        fail(retryAt) {
          settle();
          rejectWith(reject(key, s, retryAt, o.request));
        },
        error(err) {
          settle();
          rejectWith(toStoreError("acquireRate", err, described(o.request)));
        },
      };
      if (o.signal?.aborted) return rejectWith(abortError(o.signal?.reason, o.request));
      o.signal?.addEventListener("abort", onAbort, { once: true });
      if (Number.isFinite(maxWait)) {
        clock.sleep(maxWait, timer.signal).then(
          () => {
            if (w.settled) return;
            // The store, not the limit, kept this request: it leads the queue, or the queue's store call has
            // been out longer than the lookahead meant to hide a round trip (slots are being lost to the store).
            if (s.inStore && (s.waiters[0] === w || clock.now() - s.storeSentAt > LOOKAHEAD_MS)) {
              w.error(new StoreError("acquireRate", "did not answer in the time the call may wait", { timedOut: true }));
            } else w.fail(estimateSlot(s.nextAt, clock.now(), s.waiters.indexOf(w), s.spacing));
          },
          () => {},
        );
      }
      enqueue(s.waiters, w);
      if (!s.pumping) void pump(key, s);
    });
  }

  /**
   * Serves the queue of one key in order: reserves the head's slot, then the
   * next one's. The gap between a granted slot and the next refusal's slot is
   * what each waiter costs now (a drained bucket, other processes' share), so
   * estimates follow it; a new queue starts from the rules' first binding interval.
   */
  async function pump(key: string, s: KeyState): Promise<void> {
    s.pumping = true;
    s.spacing = initialSpacing;
    s.lastGrantAt = Number.NaN;
    try {
      while (s.waiters.length > 0) {
        const head = s.waiters[0] as Waiter;
        const now = clock.now();
        const budget = head.deadline - now;
        let d: RateDecision;
        try {
          const r = store.acquireRate(key, rules, Math.min(LOOKAHEAD_MS, budget));
          if (isPromise(r)) {
            s.inStore = true;
            s.storeSentAt = now;
            d = await r;
          } else d = r;
        } catch (err) {
          // The store failed (e.g. Redis down): every waiter gets the error rather than hanging.
          for (const w of [...s.waiters]) w.error(err);
          return;
        } finally {
          s.inStore = false;
        }
        const decidedAt = clock.now();
        note(s, d, decidedAt);
        learnSpacing(s, d, decidedAt);
        if (d.granted) {
          grantInTime(s, d.wait, decidedAt + d.wait);
          continue;
        }
        const first = s.waiters[0];
        if (d.wait > budget && first === head) {
          head.fail(now + d.wait);
          continue;
        }
        // Every process asks again at a random point of the span in which the slot the store named is within
        // the lookahead (before it is due), whoever won the last one. Asks spread over that span take the slots
        // in turn, instead of every process asking for every slot at the moment it comes within reach; the same
        // rule for all keeps the slots shared fairly (backing off after refusals let the process that won a slot
        // ask first at the next and starved the others: 144 requests against 19 among 4 processes).
        const slotAt = decidedAt + d.wait;
        await clock.sleep(Math.max(1, slotAt - LOOKAHEAD_MS + ASK_SPREAD * LOOKAHEAD_MS * random() - clock.now()));
      }
    } finally {
      s.pumping = false;
    }
  }

  /**
   * Gives a slot the store granted to the first waiter that can still use it.
   * The store sized the slot to the head's time left when the ask went out;
   * whoever leads when the answer comes (the head was aborted meanwhile, or a
   * higher priority joined) may have less. A waiter whose deadline comes
   * before the slot cannot be served in time — no earlier slot is free — so
   * it is refused now, told when the slot is; a slot nobody can use goes unused.
   */
  function grantInTime(s: KeyState, wait: number, slotAt: number): void {
    for (let w = s.waiters[0]; w !== undefined; w = s.waiters[0]) {
      if (w.deadline >= slotAt) {
        w.grant(wait);
        return;
      }
      w.fail(slotAt);
    }
  }

  function learnSpacing(s: KeyState, d: RateDecision, now: number): void {
    if (d.granted) s.lastGrantAt = now + d.wait;
    // A refusal until a pause ends says nothing about the rules' spacing.
    else if (d.pausedFor < d.wait && !Number.isNaN(s.lastGrantAt)) s.spacing = Math.max(tightest, s.nextAt - s.lastGrantAt);
  }

  return {
    tryNow(key) {
      if (fast === undefined) return false;
      const s = state(key);
      if (s.waiters.length > 0 || !fast.takeNow(key)) return false;
      s.fast = true;
      return true;
    },
    acquire(key, o) {
      const s = state(key);
      if (s.waiters.length > 0) return queue(key, s, { ...o, until: clock.now() + o.maxWait });
      if (fast?.takeNow(key)) {
        s.fast = true;
        return undefined;
      }
      let r: RateDecision | Promise<RateDecision>;
      try {
        r = store.acquireRate(key, rules, Math.min(o.maxWait, LOOKAHEAD_MS), o.signal);
      } catch (err) {
        return Promise.reject(toStoreError("acquireRate", err, described(o.request)));
      }
      if (!isPromise(r)) return decided(key, s, r, o);
      const until = clock.now() + o.maxWait;
      const bound = { clock, signal: o.signal, request: described(o.request), deadline: Number.isFinite(until) ? until : undefined };
      return awaitStore("acquireRate", () => r as Promise<RateDecision>, bound).then((d) => decided(key, s, d, { ...o, until }));
    },
    async pause(key, ms) {
      const s = state(key);
      const until = clock.now() + ms;
      if (until > s.pausedUntil) s.pausedUntil = until;
      await store.pauseRate(key, ms);
    },
    stats() {
      const now = clock.now();
      const out: Record<string, RateLimitKeyStats> = {};
      for (const [key, s] of keys) {
        out[key] = {
          remaining: s.fast && fast !== undefined ? fast.remaining(key) : s.remaining,
          pausedUntil: s.pausedUntil > now ? s.pausedUntil : undefined,
          queued: s.waiters.length,
          delayed: s.delayed,
          rejected: s.rejected,
          stale: s.stale,
        };
      }
      return out;
    },
  };

  function decided(key: string, s: KeyState, d: RateDecision, o: AcquireOptions | Waiting): Promise<void> | undefined {
    // The common case first, without reading the clock: granted now, not paused.
    if (d.granted && d.wait <= 0 && d.pausedFor <= 0) {
      s.fast = false;
      s.remaining = d.remaining;
      return undefined;
    }
    const now = clock.now();
    note(s, d, now);
    const waiting: Waiting = "until" in o ? o : { ...o, until: now + o.maxWait };
    if (d.granted) {
      s.delayed++;
      return untilSlot(key, s, d.wait, waiting);
    }
    if (d.wait > waiting.until - now) return Promise.reject(reject(key, s, now + d.wait, o.request));
    return queue(key, s, waiting);
  }
}
