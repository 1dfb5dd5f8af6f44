import { CHANNELS, channel } from "../../channels.js";
import { type Clock, systemClock } from "../../clock.js";
import { trusted } from "../../compose.js";
import { describeRequest } from "../../errors.js";
import { awaitStore } from "../../stores/bounded.js";
import { memoryStore } from "../../stores/memory.js";
import type { ApiRequest, ApiResponse, Middleware, Next } from "../../types.js";
import { abortError } from "../../util/abort.js";
import { timingOf } from "../../util/call-timing.js";
import { toMillis } from "../../util/duration.js";
import { fullWindowGuard } from "./full-window.js";
import { type IetfFields, joinQuota, type QuotaPolicy, readIetfFields, type ServerQuota, type ServiceLimit } from "./ietf-quota.js";
import { defaultRateLimitKey } from "./key.js";
import { createLimiter, type RateLimitKeyStats } from "./limiter.js";
import { type RateLimitOptions, resolveRateLimitOptions } from "./options.js";
import { serverPauseMs } from "./server-signals.js";

export type { ServerQuota } from "./ietf-quota.js";
export { defaultRateLimitKey } from "./key.js";
export type { RateLimitKeyStats } from "./limiter.js";
export type { RateLimitOptions, RateLimitPauseEvent, RateLimitRule } from "./options.js";
export { serverPauseMs } from "./server-signals.js";

export interface RateLimitStats {
  limits: ReadonlyArray<{ requests: number; per: number; burst: number }>;
  /**
   * Per key: remaining capacity, pause, queue, and `server`: the quota
   * policies the server advertised (IETF `RateLimit-Policy`) with what it
   * last said is left of each (`RateLimit`), as this process heard them.
   */
  keys: Record<string, RateLimitKeyStats & { server: ReadonlyArray<ServerQuota> }>;
}

const waitChannel = channel(CHANNELS.rateLimitWait);

/** What most responses say about the quota: nothing (one array for all of them). */
const NO_QUOTA: ReadonlyArray<ServerQuota> = Object.freeze([]);

/** What a key's server last said: its policies (kept until it sends new ones) and its limits. */
interface Heard {
  policies: ReadonlyArray<QuotaPolicy>;
  limits: ReadonlyArray<ServiceLimit>;
}

/**
 * Client-side rate limiting with GCRA, exact across every process sharing the
 * store. Each request waits for its slot (FIFO within `req.context.priority`,
 * lower first), fails fast with `RateLimitError` when the wait would pass
 * `maxWait` or the request's deadline, and stops when its signal aborts.
 * Responses that say the quota is spent pause the key for every process; the
 * response itself is returned unchanged (retry decides what to do with it).
 */
export function rateLimit(options: RateLimitOptions): Middleware & { stats(): RateLimitStats } {
  const o = resolveRateLimitOptions(options);
  const clock: Clock = options.clock ?? systemClock;
  const limiter = createLimiter(options.store ?? memoryStore({ clock }), o.rules, clock, o.arrivalMargin);
  const fixed = o.fixedKey;
  const keyOf = o.keyOf ?? (fixed === undefined ? defaultRateLimitKey : () => fixed);
  const onPause = options.onPause;
  const limits = options.limits.map((l) => ({ requests: l.requests, per: toMillis(l.per, "rateLimit.per"), burst: l.burst ?? 1 }));

  const heard = new Map<string, Heard>();
  // The window of our limit that is exactly the server's quota: then a full window's oldest request is ours.
  const fullWindow =
    o.learn === true ? fullWindowGuard((quota) => limits.find((l) => l.requests === quota)?.per, Math.max(...limits.map((l) => l.requests))) : undefined;

  /** True when one of our limits keeps to a server quota of `quota` (per `windowMs`, when known): no faster, no larger burst. */
  const paced = (quota: number | undefined, windowMs: number | undefined): boolean =>
    quota !== undefined && limits.some((l) => l.requests <= quota && l.burst <= quota && (windowMs === undefined || l.per / l.requests >= windowMs / quota));

  /** Remembers the IETF fields of a response; returns its limits with the policies heard so far, for the pause. */
  function hear(key: string, fields: IetfFields): ReadonlyArray<ServerQuota> {
    if (fields.policies === undefined && fields.limits === undefined) return NO_QUOTA;
    const before = heard.get(key);
    const policies = fields.policies ?? before?.policies ?? [];
    heard.set(key, { policies, limits: fields.limits ?? before?.limits ?? [] });
    return joinQuota(policies, fields.limits ?? []);
  }

  /** Takes what a response says about the quota; a promise only when it paused the key (sharing the pause). */
  function learn(key: string, req: ApiRequest, res: ApiResponse, now: number): Promise<void> | undefined {
    const quota = hear(key, readIetfFields(res.headers, now));
    const pause = serverPauseMs(res.status, res.headers, now, o.learn === "rejections", quota, paced);
    if (pause === undefined) return undefined;
    const ms = Math.min(pause, o.maxPause);
    onPause?.({ key, pauseMs: ms, status: res.status });
    // The pause holds in this process at once; sharing it waits on the store no longer than the call may.
    return awaitStore("pauseRate", () => limiter.pause(key, ms), { clock, deadline: req.deadline, signal: req.signal });
  }

  /** The response, once learned from. Failing to learn or share a pause (store down) must not lose it: the server's answer still reaches the caller. */
  function learned(key: string, req: ApiRequest, res: ApiResponse, now = clock.now()): ApiResponse | Promise<ApiResponse> {
    let sharing: Promise<void> | undefined;
    try {
      sharing = learn(key, req, res, now);
    } catch {
      return res;
    }
    return sharing === undefined
      ? res
      : sharing.then(
          () => res,
          () => res,
        );
  }

  function send(key: string, req: ApiRequest, next: Next): Promise<ApiResponse> {
    if (o.learn === false) return next(req);
    if (fullWindow !== undefined) return guarded(fullWindow, key, req, next);
    return next(req).then((res) => learned(key, req, res));
  }

  async function waitThenSend(key: string, waiting: Promise<void>, req: ApiRequest, next: Next): Promise<ApiResponse> {
    const started = clock.now();
    await waiting;
    const waitMs = clock.now() - started;
    const timing = timingOf(req);
    if (timing !== undefined) timing.rateLimitMs += waitMs;
    if (waitMs > 0 && waitChannel.hasSubscribers) waitChannel.publish({ key, request: describeRequest(req), waitMs });
    return send(key, req, next);
  }

  const rateLimitMiddleware: Middleware = (req: ApiRequest, next) => {
    let key: string;
    let waiting: Promise<void> | undefined;
    try {
      key = keyOf(req);
      // A slot free now with nobody waiting (the in-process store): no options object, no clock read, no promise.
      if (limiter.tryNow(key)) return send(key, req, next);
      const maxWait = req.deadline === undefined ? o.maxWait : Math.min(o.maxWait, Math.max(0, req.deadline - clock.now()));
      waiting = limiter.acquire(key, { priority: req.context.priority, signal: req.signal, maxWait, request: req });
    } catch (err) {
      return Promise.reject(err);
    }
    return waiting === undefined ? send(key, req, next) : waitThenSend(key, waiting, req, next);
  };
  /** Sends after the full-window hold, noting when the answer came back. */
  function guarded(guard: NonNullable<typeof fullWindow>, key: string, req: ApiRequest, next: Next): Promise<ApiResponse> {
    // Counted from the hold on, so that a request behind it measures from the right receipt. (No clock read unless held.)
    const hold = guard.holds(key) ? guard.holdMs(key, clock.now()) : 0;
    guard.sent(key);
    const sent = hold > 0 ? heldThenSent(hold, req, next) : next(req);
    return sent.then(
      (res) => {
        const now = clock.now();
        guard.settled(key, res.status < 400, res.headers, now);
        return learned(key, req, res, now);
      },
      (err: unknown) => {
        guard.settled(key, false, undefined, clock.now());
        throw err;
      },
    );
  }

  async function heldThenSent(hold: number, req: ApiRequest, next: Next): Promise<ApiResponse> {
    const ms = req.deadline === undefined ? hold : Math.min(hold, Math.max(0, req.deadline - clock.now()));
    await clock.sleep(ms, req.signal).catch(() => Promise.reject(abortError(req.signal?.reason, req)));
    return next(req);
  }

  function stats(): RateLimitStats {
    const keys: RateLimitStats["keys"] = {};
    for (const [key, s] of Object.entries(limiter.stats())) {
      const h = heard.get(key);
      keys[key] = { ...s, server: h === undefined ? [] : joinQuota(h.policies, h.limits) };
    }
    return { limits, keys };
  }
  return Object.assign(trusted(rateLimitMiddleware), { stats });
}
