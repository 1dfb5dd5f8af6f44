/**
 * A leaky bucket per key: `size` calls fit, `leakPerSecond` drain away each
 * second. Shopify's REST limit (40 calls, 2/s) and, counting query cost
 * points, its GraphQL limit (2000 points, 100/s) are both this shape.
 */
export class LeakyBuckets {
  readonly #levels = new Map<string, { level: number; at: number }>();

  constructor(
    private readonly now: () => number,
    readonly size: number,
    readonly leakPerSecond: number,
  ) {}

  /** The level after draining to now. */
  level(key: string): number {
    const b = this.#levels.get(key);
    if (!b) return 0;
    return Math.max(0, b.level - ((this.now() - b.at) / 1000) * this.leakPerSecond);
  }

  /** Adds `amount` if it fits: the new level, or undefined when the bucket would overflow. */
  add(key: string, amount: number): number | undefined {
    const level = this.level(key);
    if (level + amount > this.size) return undefined;
    this.#levels.set(key, { level: level + amount, at: this.now() });
    return level + amount;
  }

  /** Takes back `amount` (GraphQL refunds what a query did not spend). */
  refund(key: string, amount: number): void {
    const level = this.level(key);
    this.#levels.set(key, { level: Math.max(0, level - amount), at: this.now() });
  }

  /** Seconds until `amount` fits. */
  secondsUntil(key: string, amount: number): number {
    const over = this.level(key) + amount - this.size;
    return over <= 0 ? 0 : over / this.leakPerSecond;
  }

  clear(): void {
    this.#levels.clear();
  }
}
