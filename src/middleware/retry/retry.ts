import { CHANNELS, channel } from "../../channels.js";
import { type Clock, systemClock } from "../../clock.js";
import { trusted } from "../../compose.js";
import { ConfigError, describeRequest, type ErrorRequest, isNetworkError, isTimeoutError } from "../../errors.js";
import { discardBody } from "../../response/read-body.js";
import { isPermanentNetworkError } from "../../transport/errors.js";
import type { ApiRequest, ApiResponse, Middleware } from "../../types.js";
import { abortError } from "../../util/abort.js";
import { timingOf } from "../../util/call-timing.js";
import { copyRequest, copyResponse } from "../../util/copy.js";
import { type Duration, toMillis } from "../../util/duration.js";
import { integerOption } from "../../util/options.js";
import type { Policy } from "../policy.js";
import { type Backoff, type ExponentialBackoffOptions, exponentialBackoff } from "./backoff.js";
import { type RetryBudget, type RetryBudgetOptions, retryBudget } from "./budget.js";
import { rateLimitResetMs, retryAfterMs, shouldRetryHeader } from "./retry-after.js";

export const DEFAULT_RETRY_METHODS: ReadonlyArray<string> = ["GET", "HEAD", "OPTIONS", "PUT", "DELETE"];
export const DEFAULT_RETRY_STATUSES: ReadonlyArray<number> = [408, 429, 500, 502, 503, 504];

/** What `onRetry` and the `ballast:request:retry` channel receive. */
export interface RetryEvent {
  request: ErrorRequest;
  /** The attempt that failed (1 = the first try). */
  attempt: number;
  /** The wait before the next attempt, in ms. */
  delay: number;
  status?: number;
  error?: unknown;
}

/** What `shouldRetry` decides on. Return true/false to override, undefined for the default rule. */
export interface RetryDecisionInput {
  request: ApiRequest;
  attempt: number;
  response?: ApiResponse;
  error?: unknown;
}

export interface RetryOptions {
  /** Tries in all, the first included (default 4). 1 disables retrying. */
  attempts?: number;
  /** Methods retried without an idempotency key (default GET, HEAD, OPTIONS, PUT, DELETE). */
  methods?: ReadonlyArray<string>;
  /** Statuses retried (default 408, 429, 500, 502, 503, 504). */
  statuses?: ReadonlyArray<number>;
  /** A backoff function, or options for full-jitter exponential backoff (default base 200 ms, cap 20 s). */
  backoff?: Backoff | ExponentialBackoffOptions;
  /** A server-requested wait longer than this is not slept: the call fails at once (default "60s"). */
  maxRetryAfter?: Duration;
  /** Headers that force (`true`) or forbid (`false`) a retry (default stripe-should-retry, x-should-retry). */
  shouldRetryHeaders?: ReadonlyArray<string>;
  /** The retry budget shared by the client, its options, or false for none (default: a budget of 500 tokens). */
  budget?: RetryBudget | RetryBudgetOptions | false;
  /** Called before each wait. */
  onRetry?: (event: RetryEvent) => void;
  /** Overrides the default rule for one attempt. */
  shouldRetry?: (input: RetryDecisionInput) => boolean | undefined;
  clock?: Clock;
}

const retryChannel = channel(CHANNELS.requestRetry);

/** The caller's request as attempt `attempt`: a copy, the request itself is not ours to change. */
function attemptOf(req: ApiRequest, attempt: number): ApiRequest {
  const copy = copyRequest(req);
  copy.attempt = attempt;
  return copy;
}

/** The last response with retry's verdict on it: a copy, the response may be shared (a cache's, a test's). */
function verdictOn(res: ApiResponse, retryable: boolean): ApiResponse {
  const copy = copyResponse(res);
  copy.retryable = retryable;
  return copy;
}

/**
 * Retries failed attempts the way HTTP allows: idempotent methods (or any
 * method with an idempotency key), retryable statuses and network errors,
 * full-jitter backoff unless the server says how long to wait, never past the
 * call's deadline, never a one-shot stream body, and within a shared budget.
 */
export function retry(options: RetryOptions = {}): Policy {
  const attempts = integerOption(options.attempts ?? 4, "retry.attempts");
  const methods = new Set((options.methods ?? DEFAULT_RETRY_METHODS).map((m) => m.toUpperCase()));
  const statuses = new Set(options.statuses ?? DEFAULT_RETRY_STATUSES);
  for (const s of statuses) if (!(Number.isInteger(s) && s >= 100 && s <= 599)) throw new ConfigError("retry.statuses", `must hold HTTP statuses; got ${s}`);
  const backoff = typeof options.backoff === "function" ? options.backoff : exponentialBackoff(options.backoff);
  const maxRetryAfter = toMillis(options.maxRetryAfter ?? "60s", "retry.maxRetryAfter");
  const headerNames = (options.shouldRetryHeaders ?? ["stripe-should-retry", "x-should-retry"]).map((h) => h.toLowerCase());
  const budget = options.budget === false ? undefined : options.budget && "tryAcquire" in options.budget ? options.budget : retryBudget(options.budget || {});
  const clock = options.clock ?? systemClock;
  const { onRetry, shouldRetry } = options;

  const mayRepeat = (req: ApiRequest) => req.replayable && (methods.has(req.method) || req.idempotencyKey !== undefined);

  /**
   * A 403 that says it is a rate limit: `Retry-After`, or GitHub's secondary
   * limits (`x-ratelimit-remaining: 0` with `x-ratelimit-reset`).
   */
  const rateLimited403 = (res: ApiResponse, now: number): boolean =>
    res.status === 403 && (retryAfterMs(res.headers, now) !== undefined || rateLimitResetMs(res.headers, now) !== undefined);

  /** The rule for a response, whatever the method: should-retry headers first, then the statuses. */
  const retryableResponse = (res: ApiResponse, now: number): boolean => {
    const forced = shouldRetryHeader(res.headers, headerNames);
    if (forced !== undefined) return forced;
    return statuses.has(res.status) || rateLimited403(res, now);
  };

  /** The server refused without processing (a 429, a rate-limited 403): safe to send again whatever the method. */
  const refused = (res: ApiResponse, now: number): boolean => res.status === 429 || rateLimited403(res, now);

  const retryableError = (err: unknown, req: ApiRequest): boolean => {
    if (!req.replayable) return false;
    if (isNetworkError(err)) return !isPermanentNetworkError(err.errno) && (mayRepeat(req) || !err.sent);
    if (isTimeoutError(err)) return err.limit === "attempt" && mayRepeat(req);
    return false;
  };

  /** The call's own `retry` (`false` or `{ attempts }`), else the policy's. */
  const attemptsFor = (req: ApiRequest): number => {
    const own = req.context.retry as { attempts?: number } | false | undefined;
    if (own === undefined) return attempts;
    return own === false ? 1 : (own.attempts ?? attempts);
  };

  /** The first attempt, as one reaction: a success (the common case) returns without an async frame; anything else goes on in `retrying`. */
  const retryMiddleware = function retryMiddleware(req: ApiRequest, next: Parameters<Middleware>[1]): Promise<ApiResponse> {
    const tryReq = req.attempt === 1 ? req : attemptOf(req, 1);
    let sent: Promise<ApiResponse>;
    try {
      sent = next(tryReq);
    } catch (err) {
      return retrying(req, next, tryReq, undefined, err);
    }
    return sent.then(
      (res: ApiResponse | undefined) => {
        if (res === undefined || res.status >= 400) return retrying(req, next, tryReq, res, undefined);
        budget?.release(0);
        return res;
      },
      (err: unknown) => retrying(req, next, tryReq, undefined, err),
    );
  };

  /** After a first attempt that failed: decides, waits and tries again, up to the attempts allowed. */
  async function retrying(
    req: ApiRequest,
    next: Parameters<Middleware>[1],
    firstReq: ApiRequest,
    firstRes: ApiResponse | undefined,
    firstError: unknown,
  ): Promise<ApiResponse> {
    const allowed = attemptsFor(req);
    let tryReq = firstReq;
    let res = firstRes;
    let error = firstError;
    for (let attempt = 1; ; attempt++) {
      if (attempt > 1) {
        tryReq = attemptOf(req, attempt);
        res = undefined;
        error = undefined;
        try {
          res = await next(tryReq);
        } catch (err) {
          error = err;
        }
        if (res !== undefined && res.status < 400) {
          budget?.release(attempt - 1);
          return res;
        }
      }

      const now = clock.now();
      let again: boolean;
      let verdict = false;
      const custom = shouldRetry?.(res ? { request: tryReq, attempt, response: res } : { request: tryReq, attempt, error });
      if (res) {
        verdict = retryableResponse(res, now);
        again =
          custom !== undefined
            ? custom && req.replayable
            : verdict && req.replayable && (mayRepeat(req) || refused(res, now) || shouldRetryHeader(res.headers, headerNames) === true);
        if (custom !== undefined) verdict = custom;
      } else again = custom !== undefined ? custom && req.replayable : retryableError(error, req);

      if (!again || attempt >= allowed) {
        if (res) return verdictOn(res, verdict);
        throw error;
      }

      const asked = res ? (retryAfterMs(res.headers, now) ?? rateLimitResetMs(res.headers, now)) : undefined;
      const delay = asked ?? backoff(attempt);
      const tooLong = asked !== undefined && asked > maxRetryAfter;
      const pastDeadline = req.deadline !== undefined && now + delay >= req.deadline;
      if (tooLong || pastDeadline || (budget && !budget.tryAcquire(isTimeoutError(error)))) {
        if (!res) throw error;
        const why = tooLong ? `longer than retry.maxRetryAfter (${maxRetryAfter} ms)` : pastDeadline ? "past the call's deadline" : "the retry budget is spent";
        const out = verdictOn(res, verdict);
        if (asked === undefined) out.notRetried = why;
        else {
          out.retryAt = now + asked;
          out.notRetried = `the server asked to wait ${Math.ceil(asked / 1000)} s, ${why}`;
        }
        return out;
      }

      if (res) discardBody(res.body);
      // Built only for someone who listens: describeRequest redacts the URL, work wasted on every retry otherwise.
      if (onRetry !== undefined || retryChannel.hasSubscribers) {
        const event: RetryEvent = { request: describeRequest(tryReq), attempt, delay };
        if (res) event.status = res.status;
        else event.error = error;
        onRetry?.(event);
        if (retryChannel.hasSubscribers) retryChannel.publish(event);
      }

      if (req.signal?.aborted) throw abortError(req.signal?.reason, req);
      try {
        const sleptFrom = clock.now();
        try {
          await clock.sleep(delay, req.signal);
        } finally {
          const timing = timingOf(req);
          if (timing !== undefined) timing.backoffMs += clock.now() - sleptFrom;
        }
      } catch (err) {
        if (req.signal?.aborted) throw abortError(req.signal?.reason, req);
        throw err;
      }
    }
  }
  return Object.assign(trusted(retryMiddleware), { stats: () => ({ budget: budget?.available }) });
}
