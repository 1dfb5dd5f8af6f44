import type { OutgoingHttpHeaders } from "node:http";
import { ConfigError } from "../errors.js";
import { type Duration, toMillis } from "../util/duration.js";
import { compilePathTemplate, type PathMatcher } from "./path-template.js";
import type { SimRequest } from "./types.js";

/** Which rate-limit headers the simulator sends (on every limited response, 429s included). */
export type RateLimitHeaderStyle =
  /** `X-RateLimit-Limit`, `-Remaining`, `-Reset` (seconds from now). */
  | "x-ratelimit"
  /** IETF draft: `RateLimit-Policy: "default";q=5;w=1` and `RateLimit: "default";r=2;t=1`. */
  | "ietf"
  /** GitHub: `X-RateLimit-Limit`, `-Remaining`, `-Used`, `-Reset` (epoch seconds), `-Resource`. */
  | "github"
  | "none";

export interface SimRateLimitOptions {
  /** Requests allowed in any window of `per`. */
  requests: number;
  /** The window: ms, or a duration such as `"1s"`. */
  per: Duration;
  /** `Retry-After` seconds on rejections; default: until the window frees a slot (rounded up). `false` sends none. */
  retryAfter?: number | false;
  /** Default `"x-ratelimit"`. */
  headers?: RateLimitHeaderStyle;
  /** Limit only requests whose path matches this template (`/search`, `/users/:id`); default: every request. */
  route?: string;
  /** Separate budgets per key (e.g. per API token); default one budget for all. */
  key?: (req: SimRequest) => string;
  /** Status of rejections, default 429 (GitHub uses 403 for its primary limit). */
  status?: number;
}

/** A limiter's verdict on one request. */
export interface LimitDecision {
  readonly limiter: SlidingLogLimiter;
  readonly log: TimeLog;
  readonly allowed: boolean;
  /** Requests in the window counting this one if it is allowed. */
  readonly used: number;
  /** Until a slot frees (when rejected) or until the oldest request in the window expires (when allowed), ms. */
  readonly resetMs: number;
}

/**
 * The last `size` accepted request times, oldest first, in a ring. A request
 * is allowed when fewer than `size` of them lie in the window ending now: an
 * exact sliding log, O(log n) per check.
 */
class TimeLog {
  readonly #times: Float64Array;
  #start = 0;
  #count = 0;

  constructor(size: number) {
    this.#times = new Float64Array(size);
  }

  #at(i: number): number {
    return this.#times[(this.#start + i) % this.#times.length]!;
  }

  /** Index of the first entry newer than `after`. */
  #firstAfter(after: number): number {
    let lo = 0;
    let hi = this.#count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#at(mid) > after) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** Entries newer than `after`, and the oldest of them. */
  window(after: number): { count: number; oldest: number | undefined } {
    const first = this.#firstAfter(after);
    return { count: this.#count - first, oldest: first < this.#count ? this.#at(first) : undefined };
  }

  push(time: number): void {
    const size = this.#times.length;
    if (this.#count < size) {
      this.#times[(this.#start + this.#count) % size] = time;
      this.#count++;
    } else {
      this.#times[this.#start] = time;
      this.#start = (this.#start + 1) % size;
    }
  }
}

export class SlidingLogLimiter {
  readonly requests: number;
  readonly per: number;
  readonly style: RateLimitHeaderStyle;
  readonly status: number;
  readonly #retryAfter: number | false | undefined;
  readonly #route: PathMatcher | undefined;
  readonly #key: ((req: SimRequest) => string) | undefined;
  readonly #logs = new Map<string, TimeLog>();
  #rejected = 0;

  constructor(options: SimRateLimitOptions) {
    if (!Number.isInteger(options.requests) || options.requests < 1) {
      throw new ConfigError("rateLimit.requests", `must be a positive integer, got ${options.requests}`);
    }
    this.requests = options.requests;
    this.per = toMillis(options.per, "rateLimit.per");
    if (this.per <= 0) throw new ConfigError("rateLimit.per", "must be more than 0");
    this.style = options.headers ?? "x-ratelimit";
    this.status = options.status ?? 429;
    this.#retryAfter = options.retryAfter;
    this.#route = options.route === undefined ? undefined : compilePathTemplate(options.route);
    this.#key = options.key;
  }

  /** Requests this limiter rejected. */
  get rejected(): number {
    return this.#rejected;
  }

  applies(req: SimRequest): boolean {
    return this.#route === undefined || this.#route(req.path) !== undefined;
  }

  check(req: SimRequest, now: number): LimitDecision {
    const key = this.#key ? this.#key(req) : "";
    let log = this.#logs.get(key);
    if (!log) {
      log = new TimeLog(this.requests);
      this.#logs.set(key, log);
    }
    const { count, oldest } = log.window(now - this.per);
    const allowed = count < this.requests;
    // When allowed, the window's oldest entry is this request itself if the window was empty.
    const resetMs = (oldest ?? now) + this.per - now;
    return { limiter: this, log, allowed, used: allowed ? count + 1 : count, resetMs };
  }

  /** Records an allowed request. Separate from `check` so a request another limiter rejects uses no budget here. */
  commit(decision: LimitDecision, now: number): void {
    decision.log.push(now);
  }

  countRejection(): void {
    this.#rejected++;
  }

  reset(): void {
    this.#logs.clear();
    this.#rejected = 0;
  }

  retryAfterSeconds(decision: LimitDecision): number | undefined {
    if (this.#retryAfter === false) return undefined;
    return this.#retryAfter ?? Math.max(1, Math.ceil(decision.resetMs / 1000));
  }

  headers(decision: LimitDecision, now: number): OutgoingHttpHeaders | undefined {
    const remaining = String(Math.max(0, this.requests - decision.used));
    const resetSeconds = Math.max(0, Math.ceil(decision.resetMs / 1000));
    switch (this.style) {
      case "none":
        return undefined;
      case "x-ratelimit":
        return { "x-ratelimit-limit": String(this.requests), "x-ratelimit-remaining": remaining, "x-ratelimit-reset": String(resetSeconds) };
      case "github":
        return {
          "x-ratelimit-limit": String(this.requests),
          "x-ratelimit-remaining": remaining,
          "x-ratelimit-used": String(decision.used),
          "x-ratelimit-reset": String(Math.ceil((now + decision.resetMs) / 1000)),
          "x-ratelimit-resource": "core",
        };
      case "ietf":
        return {
          "ratelimit-policy": `"default";q=${this.requests};w=${Math.max(1, Math.ceil(this.per / 1000))}`,
          ratelimit: `"default";r=${remaining};t=${resetSeconds}`,
        };
    }
  }
}

export interface RateLimitOutcome {
  /** Set when a limiter rejects the request. */
  rejection?: { status: number; headers: OutgoingHttpHeaders; retryAfter: number | undefined };
  /** Headers to add to the response (from the limiter with the least room left). */
  headers?: OutgoingHttpHeaders | undefined;
}

/**
 * Checks every limiter that applies. A request is rejected when any of them is
 * full (the one that frees last speaks); otherwise it uses budget in all of them.
 */
export function applyRateLimits(limiters: readonly SlidingLogLimiter[], req: SimRequest, now: number): RateLimitOutcome {
  let decisions: LimitDecision[] | undefined;
  let rejecting: LimitDecision | undefined;
  for (const limiter of limiters) {
    if (!limiter.applies(req)) continue;
    const decision = limiter.check(req, now);
    decisions ??= [];
    decisions.push(decision);
    if (!decision.allowed && (!rejecting || decision.resetMs > rejecting.resetMs)) rejecting = decision;
  }
  if (!decisions) return {};
  if (rejecting) {
    for (const d of decisions) if (!d.allowed) d.limiter.countRejection();
    const limiter = rejecting.limiter;
    return { rejection: { status: limiter.status, headers: limiter.headers(rejecting, now) ?? {}, retryAfter: limiter.retryAfterSeconds(rejecting) } };
  }
  let tightest = decisions[0]!;
  for (const d of decisions) {
    d.limiter.commit(d, now);
    if (d.limiter.requests - d.used < tightest.limiter.requests - tightest.used) tightest = d;
  }
  return { headers: tightest.limiter.headers(tightest, now) };
}
