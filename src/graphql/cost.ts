import type { Clock } from "../clock.js";
import { RateLimitError } from "../errors.js";

/** Shopify-style query cost, as returned in `extensions.cost`. */
export interface QueryCost {
  requestedQueryCost?: number;
  actualQueryCost?: number | null;
  throttleStatus?: { maximumAvailable: number; currentlyAvailable: number; restoreRate: number };
}

export interface CostState {
  /** Points the server said were available, restored to now. */
  available: number | undefined;
  maximum: number | undefined;
  restoreRate: number | undefined;
  /** Calls that waited for points before going out, and throttled responses seen. */
  waits: number;
  throttled: number;
}

/**
 * Tracks a cost-based GraphQL rate limit (a leaky bucket of points, as
 * Shopify reports in `extensions.cost.throttleStatus`): learns the bucket from
 * every response and the cost of each operation, and makes a call wait until
 * its expected cost is available instead of being throttled.
 */
export class CostThrottle {
  private available: number | undefined;
  private maximum: number | undefined;
  private restoreRate: number | undefined;
  private at = 0;
  private readonly costs = new Map<string, number>();
  private waits = 0;
  private throttled = 0;

  constructor(
    private readonly clock: Clock,
    private readonly maxWaitMs: number,
  ) {}

  private availableNow(): number | undefined {
    if (this.available === undefined || this.restoreRate === undefined || this.maximum === undefined) return undefined;
    return Math.min(this.maximum, this.available + (this.restoreRate * (this.clock.now() - this.at)) / 1000);
  }

  /** Ms to wait before an operation expected to cost `cost` points can go. */
  private waitFor(cost: number): number {
    const now = this.availableNow();
    if (now === undefined || this.restoreRate === undefined || this.restoreRate <= 0 || now >= cost) return 0;
    return Math.ceil(((cost - now) / this.restoreRate) * 1000);
  }

  /** Waits until the operation's last known cost is available (or `cost`, when given). */
  async before(operation: string, signal: AbortSignal | undefined, cost?: number): Promise<void> {
    const expected = cost ?? this.costs.get(operation);
    if (expected === undefined) return;
    const ms = this.waitFor(expected);
    if (ms <= 0) return;
    if (ms > this.maxWaitMs) throw new RateLimitError("graphql-cost", this.clock.now() + ms);
    this.waits++;
    await this.clock.sleep(ms, signal);
    // Spend the points now so concurrent callers queue behind this one.
    if (this.available !== undefined) {
      this.available = (this.availableNow() ?? expected) - expected;
      this.at = this.clock.now();
    }
  }

  /** Learns from a response's `extensions.cost`. */
  after(operation: string, cost: QueryCost | undefined, wasThrottled: boolean): void {
    if (wasThrottled) this.throttled++;
    if (cost === undefined || cost === null || typeof cost !== "object") return;
    if (typeof cost.requestedQueryCost === "number") this.costs.set(operation, cost.requestedQueryCost);
    const t = cost.throttleStatus;
    if (t && typeof t.currentlyAvailable === "number") {
      this.available = t.currentlyAvailable;
      this.maximum = t.maximumAvailable;
      this.restoreRate = t.restoreRate;
      this.at = this.clock.now();
    }
  }

  state(): CostState {
    return { available: this.availableNow(), maximum: this.maximum, restoreRate: this.restoreRate, waits: this.waits, throttled: this.throttled };
  }
}
