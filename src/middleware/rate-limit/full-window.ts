import type { ResponseHeaders } from "../../types.js";
import { deltaReset, first, LEGACY_FIELDS, number } from "./header-values.js";

/** Most receipts kept per key (a window of more requests is not guarded). */
const MAX_KEPT = 1000;

interface KeyWindow {
  /** The server's quota and our window for it, once the server said its window was full. */
  full: { quota: number; windowMs: number } | undefined;
  /** When the responses to accepted requests arrived: a ring of the last `size` (written at `next`, `count` of them filled). */
  receipts: Float64Array;
  next: number;
  count: number;
  inFlight: number;
}

/**
 * Arrival spacing for a server whose window is full at our pace.
 *
 * A server counting exactly `quota` requests per window admits a request only
 * a window after the arrival of the one `quota` requests before it. Our slots
 * are spaced by send time, and requests do not arrive as they leave: one that
 * left on time but arrived late (a new connection, a busy event loop, a slow
 * store round trip) makes the one a window later arrive early, and it is
 * refused. A reset in whole seconds cannot say when the next request may
 * arrive; a precise one (`X-RateLimit-Reset: 0.042`) can, but only once the
 * response to the request just before has come back, and on a busy machine
 * the next request may have left by then. What this process knows is when
 * each response came back, and a request arrived before its response did:
 * once the server said `Remaining: 0` with a limit equal to one of ours and a
 * reset in delta seconds (a window that slides), a request is held until a
 * window after the response to the request `quota` before it. That slows the
 * pace by at most one round trip per window of requests (a few ms a second on
 * loopback or a LAN), where a refusal costs the whole reset. A fixed
 * window's epoch reset is left to the pause it causes (its window ends for
 * everyone at once). Requests of other processes are not seen, so in a fleet
 * this narrows the gap rather than closing it.
 * `keep` is the largest quota guarded (our largest `requests`).
 */
export function fullWindowGuard(windowOf: (quota: number) => number | undefined, keep: number) {
  const keys = new Map<string, KeyWindow>();
  const size = Math.min(keep, MAX_KEPT);
  const state = (key: string) => {
    const known = keys.get(key);
    if (known !== undefined) return known;
    const k: KeyWindow = { full: undefined, receipts: new Float64Array(size), next: 0, count: 0, inFlight: 0 };
    keys.set(key, k);
    return k;
  };
  return {
    /** False while no response said `key`'s window is full: `holdMs` is then 0 whatever the time. */
    holds(key: string): boolean {
      return keys.get(key)?.full !== undefined;
    },
    /** How long to hold a request of `key` that is about to be sent (0: send now). */
    holdMs(key: string, now: number): number {
      const k = keys.get(key);
      if (k?.full === undefined) return 0;
      // Of the last `quota` requests before this one, those in flight are the newest; the oldest has a receipt.
      const back = k.full.quota - k.inFlight;
      if (back <= 0 || k.count < back) return 0;
      // +1: clocks read whole ms and a timer may fire up to 1 ms early against them.
      const hold = (k.receipts[(k.next - back + size) % size] as number) + k.full.windowMs - now;
      return hold >= 0 ? hold + 1 : 0;
    },
    sent(key: string): void {
      state(key).inFlight++;
    },
    /** Notes the end of a request sent with `sent` (`accepted`: counted by the server, with its headers). */
    settled(key: string, accepted: boolean, headers: ResponseHeaders | undefined, now: number): void {
      const k = state(key);
      k.inFlight = Math.max(0, k.inFlight - 1);
      if (!accepted || headers === undefined) return;
      // A ring, not a shifted array: this runs on every accepted response.
      k.receipts[k.next] = now;
      k.next = (k.next + 1) % size;
      if (k.count < size) k.count++;
      if (k.full === undefined) {
        const quota = fullQuota(headers);
        const windowMs = quota === undefined || quota > size ? undefined : windowOf(quota);
        if (quota !== undefined && windowMs !== undefined) k.full = { quota, windowMs };
      }
    },
  };
}

/**
 * The quota of a window the response says is full (`X-RateLimit-Remaining: 0`
 * with its limit) with a reset in delta seconds, else undefined.
 */
function fullQuota(headers: ResponseHeaders): number | undefined {
  for (const names of LEGACY_FIELDS) {
    if (number(first(headers, names.remaining)) !== 0) continue;
    const reset = number(first(headers, names.reset));
    if (reset === undefined || !deltaReset(reset)) continue;
    const quota = number(first(headers, names.limit));
    if (quota !== undefined && Number.isInteger(quota) && quota >= 1) return quota;
  }
  return undefined;
}
