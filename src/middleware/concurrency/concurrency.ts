import { type Clock, systemClock } from "../../clock.js";
import { trusted } from "../../compose.js";
import { ConfigError, describeRequest, isApiError, isTimeoutError, TimeoutError } from "../../errors.js";
import { holdsConnection } from "../../response/buffered-body.js";
import { toStoreError } from "../../stores/bounded.js";
import { memoryStore } from "../../stores/memory.js";
import type { Permit, Store } from "../../stores/types.js";
import type { ApiRequest, ApiResponse, Middleware } from "../../types.js";
import { abortError } from "../../util/abort.js";
import { timingOf } from "../../util/call-timing.js";
import type { Duration } from "../../util/duration.js";
import { checkClock, checkStore } from "../../util/injected.js";
import { durationOption, integerOption } from "../../util/options.js";

export interface ConcurrencyOptions {
  /** Most requests in flight at once, per key. */
  limit: number;
  /** The semaphore a request takes a permit of: a fixed name, or one per key a function returns (default: the request's origin). */
  key?: string | ((req: ApiRequest) => string);
  /**
   * Shared stores only: a permit's lease (default `"30s"`), renewed every third of
   * it while the request runs; a crashed process's permits return when it ends.
   */
  lease?: Duration;
  /** Shared stores only: how often a waiter checks for permits freed by other processes (default `"25ms"`). */
  pollInterval?: Duration;
  /** Where permits live (default: in-process). With `redisStore` the limit holds across the fleet. */
  store?: Store;
  clock?: Clock;
}

export interface ConcurrencyKeyStats {
  /** Requests of this process in flight / waiting for a permit. */
  active: number;
  queued: number;
}

interface Waiter {
  grant(permit: Permit): void;
  /** The store failed: rejects with a `StoreError` made of `err`. */
  fail(err: unknown): void;
  /**
   * Arms the waiter's time limit once it really has to wait (a timer only then). Set when the
   * transport enforces the attempt timeout itself (`req.timeout`): no signal fires while the
   * request waits here, so the wait needs a limit of its own.
   */
  limit: (() => void) | undefined;
}

interface Semaphore {
  active: number;
  /** Local FIFO of requests waiting for a permit; only the pump asks the store for them. */
  waiters: Waiter[];
  pumping: boolean;
  /** Wakes the pump early (a permit was released here). */
  kick: (() => void) | undefined;
  /** Counts local releases, so one that lands while the pump asks the store is not missed. */
  releases: number;
}

const ignore = () => {};

function resolveOptions(options: number | ConcurrencyOptions): ConcurrencyOptions {
  const o = typeof options === "number" ? { limit: options } : options;
  if (typeof o !== "object" || o === null) throw new ConfigError("concurrency", "must be a number or { limit }");
  integerOption(o.limit, "concurrency.limit");
  if (o.key !== undefined && typeof o.key !== "string" && typeof o.key !== "function")
    throw new ConfigError("concurrency.key", "must be a string or a function (req) => string");
  checkStore(o.store, "concurrency.store", ["acquirePermit", "renewPermit", "releasePermit"]);
  checkClock(o.clock, "concurrency.clock");
  return o;
}

/**
 * Bounds the requests in flight (from sending until the response body is
 * read — for a streamed body, until the stream ends or is cancelled — or the
 * attempt fails). Waiters are served first in, first out and
 * leave the queue when their signal aborts. With a shared store (Redis) it is a
 * distributed semaphore: permits carry leases, renewed while the request runs,
 * so the permits of a process that dies come back when their lease ends.
 */
export function concurrency(options: number | ConcurrencyOptions): Middleware & { stats(): Record<string, ConcurrencyKeyStats> } {
  const o = resolveOptions(options);
  const clock = o.clock ?? systemClock;
  const store = o.store ?? memoryStore({ clock });
  const shared = store.kind !== "memory";
  // In one process nothing can die holding a permit: no lease to renew.
  const leaseMs = shared ? durationOption(o.lease ?? "30s", "concurrency.lease", 30) : Number.POSITIVE_INFINITY;
  // 0 would ask the store for a permit in a busy loop while anyone waits.
  const pollMs = durationOption(o.pollInterval ?? "25ms", "concurrency.pollInterval");
  const limit = o.limit;
  const fixed = typeof o.key === "string" ? o.key : undefined;
  const keyOf = typeof o.key === "function" ? o.key : (req: ApiRequest) => fixed ?? req.origin;
  const semaphores = new Map<string, Semaphore>();
  // The in-process store's permits without a promise: a request that finds one free takes it at once.
  const direct = shared ? undefined : store.permitFastPath?.();
  // Most clients see one key (their origin): remembering the last one saves a map lookup per request.
  let lastKey: string | undefined;
  let last: Semaphore | undefined;

  function semaphore(k: string): Semaphore {
    if (k === lastKey) return last as Semaphore;
    let s = semaphores.get(k);
    if (s === undefined) {
      s = { active: 0, waiters: [], pumping: false, kick: undefined, releases: 0 };
      semaphores.set(k, s);
    }
    lastKey = k;
    last = s;
    return s;
  }

  /** Why a waiter left the queue; a timeout that fired here says `sent: false`: the request never left. */
  function aborted(req: ApiRequest): unknown {
    const reason = req.signal?.reason;
    return isApiError(reason) ? unsent(reason) : abortError(reason, req);
  }

  /** Sleeps until a local release kicks, or (shared store) until the next poll for permits freed elsewhere. */
  function idle(s: Semaphore): Promise<void> {
    return new Promise((resolve) => {
      const timer = new AbortController();
      s.kick = () => {
        s.kick = undefined;
        timer.abort();
        resolve();
      };
      if (shared)
        clock.sleep(pollMs, timer.signal).then(
          () => s.kick?.(),
          () => {},
        );
    });
  }

  /** Hands permits to the local waiters in order, one store call per permit; a store that fails or stalls fails them all (fail closed). */
  async function pump(k: string, s: Semaphore): Promise<void> {
    s.pumping = true;
    try {
      while (s.waiters.length > 0) {
        let permit: Permit | undefined;
        const releases = s.releases;
        try {
          permit = await store.acquirePermit(k, limit, leaseMs);
        } catch (err) {
          for (const w of s.waiters.splice(0)) w.fail(err);
          return;
        }
        if (permit === undefined) {
          for (const w of s.waiters) w.limit?.();
          if (s.releases === releases) await idle(s);
          continue;
        }
        const head = s.waiters.shift();
        if (head === undefined) await store.releasePermit(permit).catch(() => {});
        else head.grant(permit);
      }
    } finally {
      s.pumping = false;
    }
  }

  function take(k: string, s: Semaphore, req: ApiRequest, since: number): Promise<Permit> {
    if (req.signal?.aborted) return Promise.reject(aborted(req));
    return new Promise<Permit>((resolve, reject) => {
      let cancelTimer: (() => void) | undefined;
      const leave = (err: unknown) => {
        const i = s.waiters.indexOf(w);
        if (i !== -1) s.waiters.splice(i, 1);
        reject(err);
      };
      const onAbort = () => leave(aborted(req));
      const settle = () => {
        req.signal?.removeEventListener("abort", onAbort);
        cancelTimer?.();
      };
      const transportTimeout = req.timeout;
      const w: Waiter = {
        grant(permit) {
          settle();
          resolve(permit);
        },
        fail(err) {
          settle();
          reject(toStoreError("acquirePermit", err, describeRequest(req)));
        },
        limit:
          transportTimeout &&
          (() => {
            w.limit = undefined;
            const left = transportTimeout.ms - (clock.now() - since);
            cancelTimer = clock.schedule(Math.max(0, left), () => {
              req.signal?.removeEventListener("abort", onAbort);
              leave(unsent(transportTimeout.expired()));
            });
          }),
      };
      req.signal?.addEventListener("abort", onAbort, { once: true });
      s.waiters.push(w);
      // A shared store's answer can take as long as the store lets it (a stalled Redis: its own timeout):
      // the attempt's time limit runs from now, not only once a permit is refused.
      if (shared) w.limit?.();
      if (!s.pumping) void pump(k, s);
    });
  }

  /** After a wait, the transport's time limit is what is left of the attempt's. */
  function afterWait(req: ApiRequest, since: number): ApiRequest {
    const t = req.timeout;
    if (t === undefined) return req;
    const waited = clock.now() - since;
    return waited > 0 ? { ...req, timeout: { ...t, ms: Math.max(1, t.ms - waited) } } : req;
  }

  function keepAlive(permit: Permit): AbortController | undefined {
    if (!shared) return undefined;
    const stop = new AbortController();
    const loop = async () => {
      while (!stop.signal.aborted) {
        await clock.sleep(leaseMs / 3, stop.signal);
        if (!(await store.renewPermit(permit, leaseMs))) return;
      }
    };
    loop().catch(() => {});
    return stop;
  }

  /** Gives a permit back and wakes the pump. */
  function released(s: Semaphore): void {
    s.releases++;
    s.kick?.();
  }

  /**
   * The request holding an in-process permit taken at once: no wait, no lease,
   * the permit given back synchronously when the response (or its streamed
   * body) is done. Two reactions, no promise of its own.
   */
  function runHolding(s: Semaphore, permit: Permit, req: ApiRequest, next: Parameters<Middleware>[1], sync: NonNullable<typeof direct>): Promise<ApiResponse> {
    s.active++;
    const free = () => {
      s.active--;
      sync.release(permit);
      released(s);
    };
    return next(req).then(
      (res) => {
        if (holdsConnection(res.body)) res.body.on("error", ignore).once("close", free);
        else free();
        return res;
      },
      (err: unknown) => {
        free();
        throw err;
      },
    );
  }

  async function waitAndRun(k: string, s: Semaphore, req: ApiRequest, next: Parameters<Middleware>[1]): Promise<ApiResponse> {
    const since = clock.now();
    const permit = await take(k, s, req, since);
    const timing = timingOf(req);
    if (timing !== undefined) timing.concurrencyMs += clock.now() - since;
    s.active++;
    const renewal = keepAlive(permit);
    const free = async () => {
      s.active--;
      renewal?.abort();
      await store.releasePermit(permit).catch(() => {});
      released(s);
    };
    let res: ApiResponse;
    try {
      res = await next(afterWait(req, since));
    } catch (err) {
      await free();
      throw err;
    }
    // A body still streaming (raw(), a "stream" call) keeps its permit until it is read, cancelled or fails.
    // Its error reaches whoever reads it; the listener here only keeps a cancelled stream from throwing before "close".
    if (holdsConnection(res.body)) res.body.on("error", ignore).once("close", () => void free());
    else await free();
    return res;
  }

  const concurrencyMiddleware: Middleware = (req, next) => {
    let k: string;
    try {
      k = keyOf(req);
    } catch (err) {
      return Promise.reject(err);
    }
    const s = semaphore(k);
    // Nobody ahead and a permit free: go now (the queue is FIFO, so only when it is empty).
    if (direct !== undefined && s.waiters.length === 0 && !req.signal?.aborted) {
      const permit = direct.takeNow(k, limit, leaseMs);
      if (permit !== undefined) return runHolding(s, permit, req, next, direct);
    }
    return waitAndRun(k, s, req, next);
  };

  return Object.assign(trusted(concurrencyMiddleware), {
    stats(): Record<string, ConcurrencyKeyStats> {
      const out: Record<string, ConcurrencyKeyStats> = {};
      for (const [k, s] of semaphores) out[k] = { active: s.active, queued: s.waiters.length };
      return out;
    },
  });
}

/** The same error, but a `TimeoutError` says `sent: false`: it fired while the request waited for a permit. */
function unsent<E>(error: E): E | TimeoutError {
  return isTimeoutError(error) && error.sent ? new TimeoutError(error.limit, error.timeoutMs, { request: error.request, sent: false }) : error;
}
