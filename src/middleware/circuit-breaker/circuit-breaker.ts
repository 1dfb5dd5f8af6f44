import { CHANNELS, channel } from "../../channels.js";
import { type Clock, systemClock } from "../../clock.js";
import { trusted } from "../../compose.js";
import { CircuitOpenError, describeRequest, isAbortError } from "../../errors.js";
import { awaitStore, type StoreBound } from "../../stores/bounded.js";
import { memoryStore } from "../../stores/memory.js";
import type { BreakerSnapshot, BreakerStateName } from "../../stores/types.js";
import type { ApiRequest, ApiResponse, Middleware } from "../../types.js";
import { toMillis } from "../../util/duration.js";
import { isLocalError, isServerFailure, type Outcome } from "./failure.js";
import { type CircuitBreakerOptions, type CircuitBreakerStateChange, resolveBreakerConfig } from "./options.js";

export { isServerFailure, type Outcome } from "./failure.js";
export type { CircuitBreakerOptions, CircuitBreakerStateChange, CircuitStateChange } from "./options.js";

/** Every state change is published here (`{ key, from, to, retryAt }`) for telemetry. */
const stateChannel = channel(CHANNELS.circuitState);

/** One breaker's state and counts, as `stats()` reports them by key. */
export interface CircuitBreakerKeyStats {
  state: BreakerStateName;
  /** When open: when probes will be let through (clock ms). */
  retryAt: number | undefined;
  /** Requests and failures in the current window, failures in a row. */
  total: number;
  failures: number;
  consecutive: number;
  /** Requests refused with `CircuitOpenError` by this process. */
  rejected: number;
}

/** @deprecated Use `CircuitBreakerKeyStats` (named after `circuitBreaker`, like `RateLimitKeyStats`). */
export type CircuitKeyStats = CircuitBreakerKeyStats;

interface Cached extends CircuitBreakerKeyStats {
  checkedAt: number;
}

/**
 * A circuit breaker per origin (or route, or key): closed → open when the
 * failure rate over a sliding window passes `failureRate` with at least
 * `minimumRequests`, or after `consecutiveFailures`; open fails fast with
 * `CircuitOpenError` without touching the server; after `halfOpenAfter` a
 * bounded number of probes decide between closed and open again. State lives
 * in the store, so with `redisStore` the whole fleet shares each breaker.
 */
export function circuitBreaker(options: CircuitBreakerOptions = {}): Middleware & { stats(): Record<string, CircuitBreakerKeyStats> } {
  const config = resolveBreakerConfig(options);
  const clock: Clock = options.clock ?? systemClock;
  const store = options.store ?? memoryStore({ clock });
  const syncMs = toMillis(options.syncInterval ?? "1s", "circuitBreaker.syncInterval");
  const isFailure = options.isFailure ?? isServerFailure;
  const onStateChange = options.onStateChange;
  const key = options.key ?? "origin";
  const keyOf = typeof key === "function" ? key : key === "route" ? (req: ApiRequest) => `${req.origin} ${req.route}` : (req: ApiRequest) => req.origin;
  const cache = new Map<string, Cached>();
  // The in-process store's breaker without a promise: a closed circuit then costs no promise and no timer per request.
  const direct = store.breakerFastPath?.();

  /** Takes the store's answer as this process's copy (updated in place), announcing a state change. */
  function update(k: string, snap: BreakerSnapshot): Cached {
    const now = clock.now();
    let next = cache.get(k);
    const from = next?.state ?? "closed";
    if (next === undefined) {
      next = { state: snap.state, retryAt: undefined, total: 0, failures: 0, consecutive: 0, rejected: 0, checkedAt: now };
      cache.set(k, next);
    }
    next.state = snap.state;
    next.retryAt = snap.state === "open" ? now + snap.retryIn : undefined;
    next.total = snap.total;
    next.failures = snap.failures;
    next.consecutive = snap.consecutive;
    next.checkedAt = now;
    if (from !== next.state) {
      const change: CircuitBreakerStateChange = { key: k, from, to: next.state, retryAt: next.retryAt };
      if (stateChannel.hasSubscribers) stateChannel.publish(change);
      onStateChange?.(change);
    }
    return next;
  }

  function refuse(k: string, c: Cached, retryAt: number, req: ApiRequest): CircuitOpenError {
    c.rejected++;
    return new CircuitOpenError(k, retryAt, { request: describeRequest(req) });
  }

  /** Bounds a store call by the request's deadline and signal. */
  function bound(req: ApiRequest): StoreBound {
    return { clock, deadline: req.deadline, signal: req.signal };
  }

  async function record(k: string, outcome: Outcome, probe: boolean, req: ApiRequest): Promise<void> {
    try {
      const success = !isFailure(outcome);
      update(k, await awaitStore("breakerRecord", () => store.breakerRecord(k, config, { success, probe }), bound(req)));
    } catch {
      // The store is unreachable: the outcome goes uncounted; the request's own result still reaches the caller.
    }
  }

  /**
   * A request with no outcome (`isLocalError`): nothing is recorded, and a
   * probe frees its slot for the next request (with a store that cannot give
   * it back, the slot frees itself after halfOpenAfter).
   */
  async function release(k: string, probe: boolean, req: ApiRequest): Promise<void> {
    const giveBack = store.breakerRelease;
    if (!probe || giveBack === undefined) return;
    try {
      update(k, await awaitStore("breakerRelease", () => giveBack.call(store, k, config), bound(req)));
    } catch {
      // The store is unreachable: the slot comes back after halfOpenAfter.
    }
  }

  /** Takes a probe slot; undefined when the store is unreachable (the request goes, uncounted: the breaker fails open). */
  async function takeProbe(k: string, req: ApiRequest): Promise<(BreakerSnapshot & { allowed: boolean }) | undefined> {
    try {
      return await awaitStore("breakerProbe", () => store.breakerProbe(k, config), bound(req));
    } catch {
      return undefined;
    }
  }

  /** The breaker's state, or (store unreachable) this process's last copy — closed if it has none: the breaker fails open. */
  async function current(k: string, cached: Cached | undefined, req: ApiRequest): Promise<Cached> {
    try {
      return update(k, await awaitStore("breakerState", () => store.breakerState(k, config), bound(req)));
    } catch (err) {
      if (isAbortError(err) || req.signal?.aborted) throw err;
      const known = cached ?? update(k, { state: "closed", retryIn: 0, total: 0, failures: 0, consecutive: 0 });
      // Ask the store again after syncInterval, not on every request while it is down.
      known.checkedAt = clock.now();
      return known;
    }
  }

  const throughStore = async (req: ApiRequest, next: Parameters<Middleware>[1]): Promise<ApiResponse> => {
    const k = keyOf(req);
    const now = clock.now();
    let c = cache.get(k);
    if (c === undefined || now - c.checkedAt >= syncMs) c = await current(k, c, req);
    if (c.state === "open" && c.retryAt !== undefined && now < c.retryAt) throw refuse(k, c, c.retryAt, req);
    let probe = false;
    const p = c.state === "closed" ? undefined : await takeProbe(k, req);
    if (p !== undefined) {
      c = update(k, p);
      // Half-open with every slot taken: retryIn is when the store frees slots whose probes never report.
      if (!p.allowed) throw refuse(k, c, clock.now() + p.retryIn, req);
      probe = p.state !== "closed";
    }
    let res: ApiResponse;
    try {
      res = await next(req);
    } catch (error) {
      if (isLocalError(error)) await release(k, probe, req);
      else await record(k, { error }, probe, req);
      throw error;
    }
    await record(k, { response: res }, probe, req);
    return res;
  };

  /** An outcome recorded in the in-process store at once; a failing `isFailure` or `onStateChange` leaves it uncounted, as `record` does. */
  function recordNow(k: string, outcome: Outcome): void {
    try {
      update(k, (direct as NonNullable<typeof direct>).record(k, config, { success: !isFailure(outcome), probe: false }));
    } catch {}
  }

  const circuitBreakerMiddleware: Middleware = (req, next) => {
    if (direct === undefined) return throughStore(req, next);
    let k: string;
    try {
      k = keyOf(req);
    } catch (err) {
      return Promise.reject(err);
    }
    const c = cache.get(k);
    // The common case with the memory store: closed, this process's copy fresh. Anything else (open, half-open,
    // a copy to refresh) takes the full path.
    if (c === undefined || c.state !== "closed" || clock.now() - c.checkedAt >= syncMs) return throughStore(req, next);
    return next(req).then(
      (response) => {
        recordNow(k, { response });
        return response;
      },
      (error: unknown) => {
        if (!isLocalError(error)) recordNow(k, { error });
        throw error;
      },
    );
  };

  return Object.assign(trusted(circuitBreakerMiddleware), {
    stats(): Record<string, CircuitBreakerKeyStats> {
      const out: Record<string, CircuitBreakerKeyStats> = {};
      for (const [k, { checkedAt: _, ...s }] of cache) out[k] = s;
      return out;
    },
  });
}
