import type { OutgoingHttpHeaders } from "node:http";
import { ConfigError } from "../errors.js";
import { type Duration, toMillis } from "../util/duration.js";
import { compilePathTemplate, type PathMatcher } from "./path-template.js";
import { type Budget, type BudgetState, FixedWindow, type RateLimitAlgorithm, SlidingLog, TokenBucket } from "./rate-limit-algorithms.js";
import type { SimRequest } from "./types.js";

/** Which rate-limit headers the simulator sends (on every limited response, 429s included). */
export type RateLimitHeaderStyle =
  /** `X-RateLimit-Limit`, `-Remaining`, `-Reset` (seconds from now). */
  | "x-ratelimit"
  /** `X-RateLimit-Limit`, `-Remaining`, `-Reset` (epoch seconds), as SendGrid sends them. */
  | "x-ratelimit-epoch"
  /** IETF draft: `RateLimit-Policy: "default";q=5;w=1` and `RateLimit: "default";r=2;t=1`. */
  | "ietf"
  /** GitHub: `X-RateLimit-Limit`, `-Remaining`, `-Used`, `-Reset` (epoch seconds), `-Resource`. */
  | "github"
  | "none";

export interface SimRateLimitOptions {
  /** Requests allowed per `per`. */
  requests: number;
  /** The window (or, for a token bucket, the refill period): ms, or a duration such as `"1s"`. */
  per: Duration;
  /** Default `"sliding-log"`: at most `requests` in any window of `per`. */
  algorithm?: RateLimitAlgorithm;
  /** Token bucket only: the bucket's size, i.e. how many may go at once (default `requests`). */
  burst?: number;
  /** `Retry-After` seconds on rejections; default: until a request would be allowed (rounded up). `false` sends none. */
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
export interface LimitDecision extends BudgetState {
  readonly limiter: SimLimiter;
  readonly budget: Budget;
}

const ALGORITHMS: ReadonlySet<string> = new Set<RateLimitAlgorithm>(["sliding-log", "fixed-window", "token-bucket"]);
const STYLES: ReadonlySet<string> = new Set<RateLimitHeaderStyle>(["x-ratelimit", "x-ratelimit-epoch", "ietf", "github", "none"]);

function positiveInteger(value: number | undefined, option: string): void {
  if (value !== undefined && (!Number.isInteger(value) || value < 1)) throw new ConfigError(option, `must be a positive integer, got ${value}`);
}

/** One `sim.rateLimit()`: which requests it applies to, a budget per key, and the headers it sends. */
export class SimLimiter {
  /** The advertised limit: `requests`, or the bucket size for a token bucket. */
  readonly limit: number;
  readonly per: number;
  readonly style: RateLimitHeaderStyle;
  readonly status: number;
  readonly #newBudget: () => Budget;
  readonly #retryAfter: number | false | undefined;
  readonly #route: PathMatcher | undefined;
  readonly #key: ((req: SimRequest) => string) | undefined;
  readonly #budgets = new Map<string, Budget>();
  #rejected = 0;

  constructor(options: SimRateLimitOptions) {
    positiveInteger(options.requests, "rateLimit.requests");
    positiveInteger(options.burst, "rateLimit.burst");
    const per = toMillis(options.per, "rateLimit.per");
    if (per <= 0) throw new ConfigError("rateLimit.per", "must be more than 0");
    const algorithm = options.algorithm ?? "sliding-log";
    if (!ALGORITHMS.has(algorithm)) throw new ConfigError("rateLimit.algorithm", `must be one of ${[...ALGORITHMS].join(", ")}`);
    if (options.burst !== undefined && algorithm !== "token-bucket") throw new ConfigError("rateLimit.burst", 'applies only to algorithm "token-bucket"');
    if (options.headers !== undefined && !STYLES.has(options.headers)) throw new ConfigError("rateLimit.headers", `must be one of ${[...STYLES].join(", ")}`);
    if (typeof options.retryAfter === "number" && !(options.retryAfter >= 0))
      throw new ConfigError("rateLimit.retryAfter", "must be a non-negative number of seconds");

    const { requests } = options;
    const burst = options.burst ?? requests;
    this.limit = algorithm === "token-bucket" ? burst : requests;
    this.per = per;
    this.#newBudget =
      algorithm === "sliding-log"
        ? () => new SlidingLog(requests, per)
        : algorithm === "fixed-window"
          ? () => new FixedWindow(requests, per)
          : () => new TokenBucket(burst, requests, per);
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
    let budget = this.#budgets.get(key);
    if (!budget) {
      budget = this.#newBudget();
      this.#budgets.set(key, budget);
    }
    return { ...budget.peek(now), limiter: this, budget };
  }

  countRejection(): void {
    this.#rejected++;
  }

  reset(): void {
    this.#budgets.clear();
    this.#rejected = 0;
  }

  retryAfterSeconds(decision: LimitDecision): number | undefined {
    if (this.#retryAfter === false) return undefined;
    return this.#retryAfter ?? Math.max(1, Math.ceil(decision.resetMs / 1000));
  }

  headers(decision: LimitDecision, now: number): OutgoingHttpHeaders | undefined {
    const remaining = String(decision.remaining);
    const resetSeconds = Math.max(0, Math.ceil(decision.resetMs / 1000));
    switch (this.style) {
      case "none":
        return undefined;
      case "x-ratelimit":
        return { "x-ratelimit-limit": String(this.limit), "x-ratelimit-remaining": remaining, "x-ratelimit-reset": String(resetSeconds) };
      case "x-ratelimit-epoch":
        return {
          "x-ratelimit-limit": String(this.limit),
          "x-ratelimit-remaining": remaining,
          "x-ratelimit-reset": String(Math.ceil((now + decision.resetMs) / 1000)),
        };
      case "github":
        return {
          "x-ratelimit-limit": String(this.limit),
          "x-ratelimit-remaining": remaining,
          "x-ratelimit-used": String(this.limit - decision.remaining),
          "x-ratelimit-reset": String(Math.ceil((now + decision.resetMs) / 1000)),
          "x-ratelimit-resource": "core",
        };
      case "ietf":
        return {
          "ratelimit-policy": `"default";q=${this.limit};w=${Math.max(1, Math.ceil(this.per / 1000))}`,
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
export function applyRateLimits(limiters: readonly SimLimiter[], req: SimRequest, now: number): RateLimitOutcome {
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
    d.budget.take(now);
    if (d.remaining < tightest.remaining) tightest = d;
  }
  return { headers: tightest.limiter.headers(tightest, now) };
}
