/** One credential's primary rate-limit window, as GitHub counts it. */
interface Window {
  used: number;
  resetAt: number;
}

export interface QuotaState {
  limit: number;
  remaining: number;
  used: number;
  /** Epoch seconds, as `x-ratelimit-reset` carries it. */
  reset: number;
  /** This request is over the limit. */
  exceeded: boolean;
}

/**
 * GitHub's primary rate limit: `limit` requests per hour per credential (a
 * window that starts at the credential's first request), reported on every
 * response as `x-ratelimit-*` with the reset in epoch seconds.
 */
export class PrimaryQuota {
  readonly #windows = new Map<string, Window>();

  constructor(
    private readonly now: () => number,
    private readonly windowMs: number,
  ) {}

  /** Counts a request against `key` (unless it is over the limit, which GitHub does not count). */
  take(key: string, limit: number): QuotaState {
    const now = this.now();
    let w = this.#windows.get(key);
    if (!w || w.resetAt <= now) {
      w = { used: 0, resetAt: now + this.windowMs };
      this.#windows.set(key, w);
    }
    const exceeded = w.used >= limit;
    if (!exceeded) w.used++;
    return { limit, remaining: limit - w.used, used: w.used, reset: Math.ceil(w.resetAt / 1000), exceeded };
  }

  clear(): void {
    this.#windows.clear();
  }
}

export function quotaHeaders(q: QuotaState, resource = "core"): Record<string, string> {
  return {
    "x-ratelimit-limit": String(q.limit),
    "x-ratelimit-remaining": String(q.remaining),
    "x-ratelimit-used": String(q.used),
    "x-ratelimit-reset": String(q.reset),
    "x-ratelimit-resource": resource,
  };
}
