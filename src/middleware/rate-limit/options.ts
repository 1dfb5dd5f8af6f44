import type { Clock } from "../../clock.js";
import { ConfigError } from "../../errors.js";
import type { RateRule, Store } from "../../stores/types.js";
import type { ApiRequest } from "../../types.js";
import { type Duration, toMillis } from "../../util/duration.js";
import { checkClock, checkStore } from "../../util/injected.js";
import { durationOption, integerOption } from "../../util/options.js";

export interface RateLimitRule {
  /** Requests allowed per `per`. */
  requests: number;
  /** The span `requests` are counted over: ms or a duration such as `"1s"`, `"1h"`. */
  per: Duration;
  /**
   * How many may go at once after an idle spell (default 1: requests are
   * spaced evenly, `per / requests` apart). Raise it only where the API
   * documents a bucket of that size.
   */
  burst?: number;
}

/** What a rate-limit pause was learned from, for `onPause`. */
export interface RateLimitPauseEvent {
  key: string;
  /** How long the key is paused, from now (ms). */
  pauseMs: number;
  status: number;
}

export interface RateLimitOptions {
  /** One or more limits, all enforced at once (e.g. 25/s and 5000/h). */
  limits: ReadonlyArray<RateLimitRule>;
  /** The quota a request counts against (default: origin + a sha256 digest of its credential header). */
  key?: string | ((req: ApiRequest) => string);
  /** Longest a request may wait for its turn; beyond it fails at once with `RateLimitError` (default: no limit but the request's deadline). */
  maxWait?: Duration;
  /**
   * Pause the key when responses say the quota is spent (default true): 429/503 +
   * Retry-After, `X-RateLimit-Remaining: 0` + reset, IETF `RateLimit` (with the window of
   * its `RateLimit-Policy` when no reset is given). `"rejections"`
   * learns only from 429/503 + Retry-After — for servers whose reset is a coarse,
   * rounded-up sliding window, where pausing on every `Remaining: 0` wastes quota.
   */
  learn?: boolean | "rejections";
  /** Upper bound on a pause learned from a response (default `"1h"`), against absurd reset values. */
  maxPause?: Duration;
  /** Called when a response pauses the key. */
  onPause?: (event: RateLimitPauseEvent) => void;
  /**
   * Requests leave evenly spaced but do not arrive so: network and scheduling
   * jitter can bring two closer at the server than they left. With a margin,
   * each limit is spaced as if its window were this much longer (`"20ms"`:
   * 20/s leave 51 ms apart), so a server counting exactly the same limit with
   * no tolerance (a sliding log, nginx `limit_req` without `burst`) sees no
   * more than it allows while requests arrive up to this much out of step.
   * A reserved slot is also still used when this process reaches it up to
   * the margin late (a busy machine), instead of being dropped after one
   * interval. Default 0: exactly `per / requests` apart.
   */
  arrivalMargin?: Duration;
  /** Where the limiter state lives (default: a new `memoryStore`); `redisStore` shares it across processes. */
  store?: Store;
  clock?: Clock;
}

export interface ResolvedRateLimit {
  rules: ReadonlyArray<RateRule>;
  /** `arrivalMargin` in ms (0 without it). */
  arrivalMargin: number;
  keyOf: ((req: ApiRequest) => string) | undefined;
  fixedKey: string | undefined;
  maxWait: number;
  learn: boolean | "rejections";
  maxPause: number;
}

/** The finest time step the clock and timers keep. */
const CLOCK_RESOLUTION_MS = 1;

function arrivalMargin(option: Duration | undefined): number {
  return option === undefined ? 0 : toMillis(option, "rateLimit.arrivalMargin");
}

/** Validates rate-limit options once, at construction, and turns each limit into a GCRA rule. */
export function resolveRateLimitOptions(options: RateLimitOptions): ResolvedRateLimit {
  if (typeof options !== "object" || options === null) throw new ConfigError("rateLimit", "must be an options object with limits");
  if (!Array.isArray(options.limits) || options.limits.length === 0)
    throw new ConfigError("rateLimit.limits", "must be a non-empty array of { requests, per, burst? }");
  const margin = arrivalMargin(options.arrivalMargin);
  const rules = options.limits.map((limit, i): RateRule => {
    const at = `rateLimit.limits[${i}]`;
    const requests = integerOption(limit?.requests, `${at}.requests`);
    const per = durationOption(limit.per, `${at}.per`);
    const burst = limit.burst === undefined ? 1 : integerOption(limit.burst, `${at}.burst`);
    if (burst > requests) throw new ConfigError(`${at}.burst`, `must not exceed requests (${requests})`);
    // Spaced for a window a little longer than `per`, so requests still keep to the limit where they arrive.
    const interval = (per + margin) / requests;
    // Clocks and timers count whole milliseconds: a limit faster than one per ms lets its per-ms share go at once
    // (without this, every request after the first in a millisecond would wait on a timer for a sub-ms slot).
    const tolerance = Math.max((burst - 1) * interval, CLOCK_RESOLUTION_MS - interval);
    return { id: `${requests}/${per}/${burst}`, interval, tolerance };
  });
  const { key } = options;
  if (key !== undefined && typeof key !== "string" && typeof key !== "function")
    throw new ConfigError("rateLimit.key", "must be a string or a function (req) => string");
  if (options.learn !== undefined && typeof options.learn !== "boolean" && options.learn !== "rejections") {
    throw new ConfigError("rateLimit.learn", `must be true, false or "rejections"`);
  }
  if (options.onPause !== undefined && typeof options.onPause !== "function") throw new ConfigError("rateLimit.onPause", "must be a function");
  checkStore(options.store, "rateLimit.store", ["acquireRate", "pauseRate"]);
  checkClock(options.clock, "rateLimit.clock");
  return {
    rules,
    arrivalMargin: margin,
    keyOf: typeof key === "function" ? key : undefined,
    fixedKey: typeof key === "string" ? key : undefined,
    maxWait: options.maxWait === undefined ? Number.POSITIVE_INFINITY : toMillis(options.maxWait, "rateLimit.maxWait"),
    learn: options.learn ?? true,
    maxPause: options.maxPause === undefined ? 3_600_000 : toMillis(options.maxPause, "rateLimit.maxPause"),
  };
}
