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

/** Runs the acquire script for `key` with one reservation horizon (µs) per acquire; one answer per acquire, in order. */
export type RunRateBatch = (key: string, reserves: number[]) => Promise<RateDecision[]>;

/** One acquire waiting for its answer. */
interface Pending {
  reserve: number;
  signal: AbortSignal | undefined;
  resolve: (d: RateDecision) => void;
  reject: (err: unknown) => void;
  timer: ReturnType<typeof setTimeout>;
  /** The caller has its answer or gave up (the store's timeout): a late answer is not handed to anyone. */
  done: boolean;
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
 * (the fleet sends less, never more). A batch out longer than `timeoutMs`
 * (a stalled server) no longer holds back the key's next one.
 */
export function coalescedRateAcquire(run: RunRateBatch, timeoutMs: number): (key: string, reserve: number, signal?: AbortSignal) => Promise<RateDecision> {
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

  function send(key: string, lane: Lane, batch: Pending[]): void {
    lane.out++;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      clearTimeout(stall);
      settled(key, lane);
    };
    // A stalled call keeps its callers' own time limits but stops holding the key's queue.
    const stall = setTimeout(release, timeoutMs);
    stall.unref();
    run(
      key,
      batch.map((p) => p.reserve),
    ).then(
      (decisions) => {
        for (let i = 0; i < batch.length; i++) answer(batch[i] as Pending, decisions[i] as RateDecision);
        release();
      },
      (err: unknown) => {
        for (const p of batch) fail(p, toStoreError("acquireRate", err));
        release();
      },
    );
  }

  return (key, reserve, signal) =>
    new Promise<RateDecision>((resolve, reject) => {
      const p: Pending = { reserve, signal, resolve, reject, timer: undefined as never, done: false };
      p.timer = setTimeout(() => fail(p, new StoreError("acquireRate", `did not answer within ${timeoutMs} ms`, { timedOut: true })), timeoutMs);
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
