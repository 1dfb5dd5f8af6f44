import { type AttemptStartEvent, type CallKind, type CallTimes, CHANNELS, channel } from "../channels.js";
import type { Clock } from "../clock.js";
import { describeRequest } from "../errors.js";
import { whenBodyDone } from "../response/buffered-body.js";
import type { ApiRequest, ApiResponse, Next, Transport } from "../types.js";
import { type CallTiming, newCallTiming, timingOf, withTiming } from "../util/call-timing.js";

const callStart = channel(CHANNELS.requestStart);
const callEnd = channel(CHANNELS.requestEnd);
const callError = channel(CHANNELS.requestError);
const attemptStart = channel(CHANNELS.attemptStart);
const attemptEnd = channel(CHANNELS.attemptEnd);

/**
 * Sends one call and hands its response to `after` (reading, validating),
 * publishing `request:start`, then `request:end` or `request:error` with
 * where its time went (queued on this side, the API's own latency). Without
 * subscribers it is a plain send.
 */
export function observeCall<T>(kind: CallKind, req: ApiRequest, clock: Clock, send: Next, after: (res: ApiResponse) => T | Promise<T>): Promise<T> {
  if (callStart.hasSubscribers || callEnd.hasSubscribers || callError.hasSubscribers) return observed(kind, req, clock, send, after);
  // Without subscribers, one reaction and no async frame; a step that throws synchronously still rejects.
  try {
    return send(req).then(after);
  } catch (err) {
    return Promise.reject(err);
  }
}

async function observed<T>(kind: CallKind, req: ApiRequest, clock: Clock, send: Next, after: (res: ApiResponse) => T | Promise<T>): Promise<T> {
  const base = { kind, request: describeRequest(req), route: req.route, origin: req.origin };
  // The steps inside (stats, rate limit, concurrency, retry, the attempt) fill in this record: the one the request
  // builder made for the call, else a fresh one.
  const own = timingOf(req);
  const timing = own !== undefined && !own.claimed ? own : newCallTiming();
  const started = clock.now();
  callStart.publish(base);
  try {
    const res = await send(timing === own ? req : withTiming(req, timing));
    const out = await after(res);
    callEnd.publish({ ...base, status: res.status, attempts: res.attempts, durationMs: clock.now() - started, ...callTimes(timing) });
    return out;
  } catch (error) {
    callError.publish({ ...base, error, durationMs: clock.now() - started, ...callTimes(timing) });
    throw error;
  }
}

/** A call's timing as `request:end` and `request:error` publish it. */
function callTimes(t: CallTiming): CallTimes {
  return {
    queueMs: t.rateLimitMs + t.concurrencyMs + t.backoffMs,
    queue: { rateLimitMs: t.rateLimitMs, concurrencyMs: t.concurrencyMs, backoffMs: t.backoffMs },
    apiMs: t.completeMs,
    firstByteMs: t.firstByteMs,
  };
}

/**
 * The pipeline's last step: hands each attempt to the transport, publishing
 * `attempt:start` (whose subscribers may add headers, e.g. trace context)
 * and `attempt:end` once the response headers arrived or the attempt failed.
 */
export function observeAttempts(transport: Transport, clock: Clock): Next {
  return (sending) => {
    const req = leftOfAttempt(sending);
    if (!attemptStart.hasSubscribers && !attemptEnd.hasSubscribers) {
      const timing = timingOf(req);
      return timing === undefined ? transport.send(req) : timed(transport.send(req), timing, clock);
    }
    const start: AttemptStartEvent = {
      request: describeRequest(req),
      method: req.method,
      origin: req.origin,
      route: req.route,
      attempt: req.attempt,
      headers: {},
    };
    attemptStart.publish(start);
    let out = req;
    for (const _ in start.headers) {
      out = { ...req, headers: { ...req.headers, ...lowerKeys(start.headers) } };
      break;
    }
    const started = clock.now();
    const timing = timingOf(req);
    const sent = timing === undefined ? transport.send(out) : timed(transport.send(out), timing, clock);
    return sent.then(
      (res) => {
        attemptEnd.publish({ start, status: res.status, error: undefined, durationMs: clock.now() - started });
        return res;
      },
      (error: unknown) => {
        attemptEnd.publish({ start, status: undefined, error, durationMs: clock.now() - started });
        throw error;
      },
    );
  };
}

/**
 * The request with the transport's time limit cut to what is left of the
 * attempt (`timeout.endsAt`): a wait between the attempt timer and the
 * transport (a `use` middleware, a token store, a secret) counts against it,
 * as it does with ballast's own timer, so the call still ends at its deadline.
 */
function leftOfAttempt(req: ApiRequest): ApiRequest {
  const t = req.timeout;
  if (t?.endsAt === undefined) return req;
  const left = Math.ceil(t.endsAt - Date.now());
  // (A copy only when a wait took more than the ms the rounding up of `ms` may hold.)
  return left < t.ms - 1 ? { ...req, timeout: { ...t, ms: Math.max(1, left) } } : req;
}

/** Notes the API's latency of one attempt on the call's timing: to its response headers, and to the end of its body. */
function timed(sending: Promise<ApiResponse>, timing: CallTiming, clock: Clock): Promise<ApiResponse> {
  const started = clock.now();
  return sending.then((res) => {
    timing.firstByteMs = clock.now() - started;
    timing.completeMs = undefined;
    whenBodyDone(res.body, () => {
      timing.completeMs = clock.now() - started;
    });
    return res;
  });
}

function lowerKeys(h: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k in h) out[k.toLowerCase()] = h[k] as string;
  return out;
}
