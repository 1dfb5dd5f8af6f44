import { type Clock, systemClock } from "../../clock.js";
import { trusted } from "../../compose.js";
import { ConfigError, describeRequest, TimeoutError, type TimeoutKind } from "../../errors.js";
import { whenBodyDone } from "../../response/buffered-body.js";
import type { ApiRequest, ApiResponse, Middleware, Next } from "../../types.js";
import { abortError } from "../../util/abort.js";
import { type Duration, toMillis } from "../../util/duration.js";

export interface TimeoutOptions {
  /** The limit in ms (or a duration such as "10s"). */
  ms: Duration;
  /**
   * "attempt": each try, from sending until its body is read. "total": the
   * whole call, retries and waits included; it also sets `req.deadline` so
   * retry and rate limiting never plan a wait past it. Default "attempt".
   */
  limit?: TimeoutKind;
  clock?: Clock;
}

/** Per-request override, read from `req.context.timeout` (set by the client's `timeout` request option). */
export interface TimeoutOverride {
  attempt?: number | false;
  total?: number | false;
}

/**
 * Bounds a request in time. On expiry the request's signal aborts with a
 * `TimeoutError` naming the limit, which releases the socket; a caller's own
 * abort passes through unchanged. The timer runs until the response body has
 * been read (or discarded), so a slow body counts too.
 */
export function timeout(options: TimeoutOptions | Duration): Middleware {
  const opts: TimeoutOptions = typeof options === "object" ? options : { ms: options };
  const limit = opts.limit ?? "attempt";
  if (limit !== "attempt" && limit !== "total") throw new ConfigError("timeout.limit", `must be "attempt" or "total"; got ${JSON.stringify(limit)}`);
  const configured = toMillis(opts.ms, `timeout.${limit}`);
  if (configured === 0) throw new ConfigError(`timeout.${limit}`, "must be > 0 (leave it out for no limit)");
  const clock = opts.clock ?? systemClock;
  // Standalone, nothing inside may be watching the deadline: the total limit runs a timer of its own.
  return trusted(limit === "total" ? totalLimit(configured, clock, true) : attemptLimit(configured, undefined, clock, { deadline: false, native: false }));
}

/**
 * The client's total limit, outside retry: it only sets `req.deadline`. No
 * timer runs here: each attempt's timer (below) stops at the deadline, and
 * retry, the rate limiter and the other waits never plan past it — one timer
 * per attempt instead of two.
 */
export function callDeadline(ms: number | undefined, clock: Clock): Middleware {
  return trusted(totalLimit(ms, clock, false));
}

/**
 * The client's per-attempt timer, inside retry: it fires at the earlier of
 * the attempt limit and the call's deadline, and the `TimeoutError` names
 * whichever that was. It runs until the body is read, so a trickling body
 * cannot outlast it. With a transport that enforces time limits itself
 * (`native`: the undici transport, one timer and no AbortController per
 * request) it only sets `req.timeout`; otherwise it runs its own timer.
 */
export function attemptDeadline(attemptMs: number | undefined, totalMs: number | undefined, clock: Clock, native = false): Middleware {
  return trusted(attemptLimit(attemptMs, totalMs, clock, { deadline: true, native }));
}

/** This call's limit: its `timeout` request option (`false` switches it off), else the configured one. */
function limitOf(req: ApiRequest, limit: TimeoutKind, configured: number | undefined): number | undefined {
  const override = (req.context.timeout as TimeoutOverride | undefined)?.[limit];
  return override === false ? undefined : (override ?? configured);
}

/**
 * The total limit: sets `req.deadline` (the earlier one wins), which retry,
 * the rate limiter and the other waits never plan past. With `ownTimer` it
 * also aborts the call at the deadline; without, an attempt limit inside
 * watching the deadline does.
 */
function totalLimit(ms: number | undefined, clock: Clock, ownTimer: boolean): Middleware {
  return function totalTimeout(req, next) {
    const total = limitOf(req, "total", ms);
    if (total === undefined) return next(req);
    const deadline = clock.now() + total;
    const bounded = req.deadline !== undefined && req.deadline <= deadline ? req : { ...req, deadline };
    if (!ownTimer) return next(bounded);
    return withTimer(bounded, next, total, () => new TimeoutError("total", total, { request: describeRequest(bounded) }), clock);
  };
}

/**
 * The attempt limit: a timer from sending until the body is read. With
 * `deadline` it also stops at the call's deadline (the `TimeoutError` then
 * names the total limit), and an attempt that starts past it is refused
 * unsent. With `native` the transport runs the timer (`req.timeout`).
 */
function attemptLimit(attemptMs: number | undefined, totalMs: number | undefined, clock: Clock, watch: { deadline: boolean; native: boolean }): Middleware {
  return function attemptTimeout(req, next) {
    const attempt = limitOf(req, "attempt", attemptMs);
    const total = limitOf(req, "total", totalMs);
    const left = !watch.deadline || req.deadline === undefined ? undefined : req.deadline - clock.now();
    if (left !== undefined && left <= 0) return Promise.reject(new TimeoutError("total", total ?? 0, { request: describeRequest(req), sent: false }));
    if (attempt === undefined && left === undefined) return next(req);
    const byTotal = left !== undefined && (attempt === undefined || left < attempt);
    const ms = byTotal ? (left as number) : (attempt as number);
    const expired = () =>
      byTotal ? new TimeoutError("total", total ?? ms, { request: describeRequest(req) }) : new TimeoutError("attempt", ms, { request: describeRequest(req) });
    // endsAt: the transport gets what is left of this at sending, after any wait below (a permit, a token, a `use` step).
    if (watch.native) return next({ ...req, timeout: { ms: Math.max(1, Math.ceil(ms)), expired, endsAt: Date.now() + ms } });
    return withTimer(req, next, ms, expired, clock);
  };
}

/**
 * Runs `next` with a signal that aborts after `ms` with the error `expire()`
 * makes, or when the request's own signal aborts. The timer lasts until the
 * response body is read or discarded.
 */
function withTimer(req: ApiRequest, next: Next, ms: number, expire: () => TimeoutError, clock: Clock): Promise<ApiResponse> {
  const parent = req.signal;
  if (parent?.aborted) {
    return Promise.reject(abortError(parent.reason, req));
  }
  const controller = new AbortController();
  const onParentAbort = parent && (() => controller.abort(parent.reason));
  if (onParentAbort) parent.addEventListener("abort", onParentAbort, { once: true });
  const cancel = clock.schedule(ms, () => controller.abort(expire()));
  const done = () => {
    cancel();
    if (onParentAbort) parent.removeEventListener("abort", onParentAbort);
  };
  return next({ ...req, signal: controller.signal }).then(
    (res) => {
      whenBodyDone(res.body, done);
      return res;
    },
    (err) => {
      done();
      throw err;
    },
  );
}
