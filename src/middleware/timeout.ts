import { type Clock, systemClock } from "../clock.js";
import { AbortError, ConfigError, describeRequest, isApiError, TimeoutError, type TimeoutKind } from "../errors.js";
import type { ApiRequest, ApiResponse, Middleware, Next } from "../types.js";
import { type Duration, toMillis } from "../util/duration.js";

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

  const run = (req: ApiRequest, next: Next, ms: number): Promise<ApiResponse> => {
    const parent = req.signal;
    if (parent?.aborted) {
      const r = parent.reason;
      return Promise.reject(isApiError(r) ? r : new AbortError(r, { request: describeRequest(req) }));
    }
    const controller = new AbortController();
    const onParentAbort = () => controller.abort(parent?.reason);
    parent?.addEventListener("abort", onParentAbort, { once: true });
    const cancel = clock.schedule(ms, () => controller.abort(new TimeoutError(limit, ms, { request: describeRequest(req) })));
    const done = () => {
      cancel();
      parent?.removeEventListener("abort", onParentAbort);
    };
    const child: ApiRequest = { ...req, signal: controller.signal };
    if (limit === "total") {
      const deadline = clock.now() + ms;
      if (req.deadline === undefined || deadline < req.deadline) child.deadline = deadline;
    }
    return next(child).then(
      (res) => {
        if (res.body === null || res.body.destroyed) done();
        else res.body.once("close", done);
        return res;
      },
      (err) => {
        done();
        throw err;
      },
    );
  };

  const name = limit === "total" ? "totalTimeout" : "attemptTimeout";
  const middleware: Middleware = (req, next) => {
    const override = (req.context.timeout as TimeoutOverride | undefined)?.[limit];
    if (override === false) return next(req);
    return run(req, next, override ?? configured);
  };
  Object.defineProperty(middleware, "name", { value: name });
  return middleware;
}
