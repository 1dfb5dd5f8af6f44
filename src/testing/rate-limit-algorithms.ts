/**
 * Server-side rate-limit algorithms, one budget per key. Each answers "may a
 * request go now?" without recording it (`peek`), so a request that another
 * limit rejects uses no budget here; `take` records it.
 */

/** How the simulator counts requests against a limit. */
export type RateLimitAlgorithm =
  /** Exact: at most `requests` in any window of `per` ms (the strictest). */
  | "sliding-log"
  /** At most `requests` per aligned window (`floor(now / per)`); allows bursts across a window edge. */
  | "fixed-window"
  /** A bucket of `burst` tokens refilled at `requests` per `per` (Shopify's leaky bucket behaves the same). */
  | "token-bucket";

export interface BudgetState {
  readonly allowed: boolean;
  /** Requests left after this one (when allowed), 0 when rejected. */
  readonly remaining: number;
  /** ms until a request would be allowed (rejected), or until the budget next frees room (allowed). */
  readonly resetMs: number;
}

export interface Budget {
  peek(now: number): BudgetState;
  take(now: number): void;
}

/**
 * The last `size` accepted request times, oldest first, in a ring. A request
 * is allowed when fewer than `size` of them lie in the window ending now.
 * O(log n) per check.
 */
export class SlidingLog implements Budget {
  readonly #times: Float64Array;
  readonly #per: number;
  #start = 0;
  #count = 0;

  constructor(size: number, per: number) {
    this.#times = new Float64Array(size);
    this.#per = per;
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

  peek(now: number): BudgetState {
    const first = this.#firstAfter(now - this.#per);
    const inWindow = this.#count - first;
    const size = this.#times.length;
    const allowed = inWindow < size;
    // The oldest request in the window leaves it first; with an empty window, this request is the oldest.
    const oldest = first < this.#count ? this.#at(first) : now;
    return { allowed, remaining: allowed ? size - inWindow - 1 : 0, resetMs: oldest + this.#per - now };
  }

  take(now: number): void {
    const size = this.#times.length;
    if (this.#count < size) {
      this.#times[(this.#start + this.#count) % size] = now;
      this.#count++;
    } else {
      this.#times[this.#start] = now;
      this.#start = (this.#start + 1) % size;
    }
  }
}

export class FixedWindow implements Budget {
  #window = Number.NaN;
  #count = 0;

  constructor(
    readonly limit: number,
    readonly per: number,
  ) {}

  peek(now: number): BudgetState {
    const window = Math.floor(now / this.per);
    const count = window === this.#window ? this.#count : 0;
    const allowed = count < this.limit;
    return { allowed, remaining: allowed ? this.limit - count - 1 : 0, resetMs: (window + 1) * this.per - now };
  }

  take(now: number): void {
    const window = Math.floor(now / this.per);
    if (window !== this.#window) {
      this.#window = window;
      this.#count = 0;
    }
    this.#count++;
  }
}

export class TokenBucket implements Budget {
  // Kept in units of 1/per token, so that with whole-ms times a request arriving
  // exactly when its token is due is counted exactly (a float rate rounds it away).
  readonly #capacity: number;
  readonly #requests: number;
  readonly #per: number;
  #units: number;
  #at = Number.NaN;

  constructor(capacity: number, requests: number, per: number) {
    this.#capacity = capacity * per;
    this.#requests = requests;
    this.#per = per;
    this.#units = this.#capacity;
  }

  #level(now: number): number {
    if (Number.isNaN(this.#at)) return this.#units;
    return Math.min(this.#capacity, this.#units + Math.max(0, now - this.#at) * this.#requests);
  }

  peek(now: number): BudgetState {
    const units = this.#level(now);
    if (units >= this.#per) {
      const left = units - this.#per;
      return { allowed: true, remaining: Math.floor(left / this.#per), resetMs: (this.#capacity - left) / this.#requests };
    }
    return { allowed: false, remaining: 0, resetMs: (this.#per - units) / this.#requests };
  }

  take(now: number): void {
    this.#units = this.#level(now) - this.#per;
    this.#at = now;
  }
}
