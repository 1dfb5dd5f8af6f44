import { StoreError } from "../errors.js";
import { abortError } from "../util/abort.js";
import { toStoreError } from "./bounded.js";
import type { RateDecision } from "./types.js";

/**
 * Most acquires one script call decides: a bigger batch waits for the next
 * call (sent at the same time, on the same connection), so no single script
 * holds Redis for long.
 */
export const MAX_BATCH = 128;

/** The acquire scripts of one set of rules: one acquire of `key` (horizon in µs), or several, one answer each in order. */
export interface RateRunners {
  one(key: string, reserve: number): Promise<RateDecision>;
  many(key: string, reserves: number[]): Promise<RateDecision[]>;
}

/** One acquire waiting for its answer. */
interface Pending {
  reserve: number;
  signal: AbortSignal | undefined;
  resolve: (d: RateDecision) => void;
  reject: (err: unknown) => void;
  timer: ReturnType<typeof setTimeout>;
  /** The caller has its answer or gave up (the store's timeout): a late answer is not handed to anyone. */
  done: boolean;
  /** The call it went out in, once sent. */
  batch: Batch | undefined;
}

/** One script call that is out: it holds back its key's queue until it answers or every acquire in it gave up. */
interface Batch {
  waiting: number;
  released: boolean;
  release: () => void;
}

/** The acquires of one key: how many script calls are out, and who arrived meanwhile. */
interface Lane {
  out: number;
  queued: Pending[];
}

/**
 * Coalesces the acquires of one key (one set of rules) into as few round
 * trips as the load allows: an acquire of a key with no call out is sent at
 * once, alone (one round trip, as before); acquires that arrive while a call
 * for the key is out wait for it to come back and then go together in one
 * script call, which decides them in arrival order. N concurrent acquires of
 * a busy key then cost one round trip and one TIME/GET/SET instead of N.
 *
 * Every batch holds one key, so a cluster runs it on the key's master.
 * Each acquire keeps its own time limit (`timeoutMs` from the call, waiting
 * in the queue included). An acquire still queued when its time runs out or
 * its signal aborts is dropped before sending: it takes no slot. One already
 * sent may still be granted after its caller gave up; that slot goes unused
 * (the fleet sends less, never more). A call whose every acquire gave up (a
 * stalled server) no longer holds back the key's next one.
 */
export function coalescedRateAcquire(run: RateRunners, timeoutMs: number): (key: string, reserve: number, signal?: AbortSignal) => Promise<RateDecision> {
  const lanes = new Map<string, Lane>();

  function settled(key: string, lane: Lane): void {
    lane.out--;
    if (lane.out > 0) return;
    const next = lane.queued.filter(stillWanted);
    lane.queued = [];
    if (next.length === 0) {
      lanes.delete(key);
      return;
    }
    for (let i = 0; i < next.length; i += MAX_BATCH) send(key, lane, next.slice(i, i + MAX_BATCH));
  }

  function send(key: string, lane: Lane, entries: Pending[]): void {
    lane.out++;
    const batch: Batch = {
      waiting: entries.length,
      released: false,
      release() {
        if (batch.released) return;
        batch.released = true;
        settled(key, lane);
      },
    };
    const failAll = (err: unknown) => {
      for (const p of entries) fail(p, toStoreError("acquireRate", err));
      batch.release();
    };
    // Alone, by the single-acquire script: what an acquire cost before coalescing.
    if (entries.length === 1) {
      const p = entries[0] as Pending;
      p.batch = batch;
      run.one(key, p.reserve).then((d) => {
        answer(p, d);
        batch.release();
      }, failAll);
      return;
    }
    const reserves: number[] = [];
    for (const p of entries) {
      p.batch = batch;
      reserves.push(p.reserve);
    }
    run.many(key, reserves).then((decisions) => {
      for (let i = 0; i < entries.length; i++) answer(entries[i] as Pending, decisions[i] as RateDecision);
      batch.release();
    }, failAll);
  }

  return (key, reserve, signal) =>
    new Promise<RateDecision>((resolve, reject) => {
      const p: Pending = { reserve, signal, resolve, reject, timer: undefined as never, done: false, batch: undefined };
      p.timer = setTimeout(() => {
        fail(p, new StoreError("acquireRate", `did not answer within ${timeoutMs} ms`, { timedOut: true }));
        // A stalled call whose every acquire gave up stops holding back the key's queue.
        if (p.batch !== undefined && --p.batch.waiting === 0) p.batch.release();
      }, timeoutMs);
      p.timer.unref();
      let lane = lanes.get(key);
      if (lane === undefined) {
        lane = { out: 0, queued: [] };
        lanes.set(key, lane);
      }
      if (lane.out === 0) send(key, lane, [p]);
      else lane.queued.push(p);
    });
}

function answer(p: Pending, d: RateDecision): void {
  if (p.done) return;
  p.done = true;
  clearTimeout(p.timer);
  p.resolve(d);
}

function fail(p: Pending, err: unknown): void {
  if (p.done) return;
  p.done = true;
  clearTimeout(p.timer);
  p.reject(err);
}

/** A queued acquire is sent unless its caller gave up (time limit passed, signal aborted) while it waited. */
function stillWanted(p: Pending): boolean {
  if (p.done) return false;
  if (p.signal?.aborted) {
    fail(p, abortError(p.signal.reason));
    return false;
  }
  return true;
}
