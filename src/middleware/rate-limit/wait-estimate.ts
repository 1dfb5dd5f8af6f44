import type { RateRule } from "../../stores/types.js";

/**
 * What one waiter ahead in the queue costs, before the queue has shown it:
 * the interval of the rule that runs out first when requests pile up — the
 * one with the smallest burst (each rule lets `burst` go at once), the
 * longest interval among those. With 25/s (burst 1) and 5000/h (burst 5000)
 * that is 40 ms, not 720 ms: the hourly bucket has thousands to give before
 * its own spacing counts.
 */
export function firstBindingInterval(rules: ReadonlyArray<RateRule>): number {
  let burst = Number.POSITIVE_INFINITY;
  let interval = 0;
  for (const r of rules) {
    const b = Math.round(r.tolerance / r.interval) + 1;
    if (b < burst || (b === burst && r.interval > interval)) {
      burst = b;
      interval = r.interval;
    }
  }
  return interval;
}

/**
 * When a request with `ahead` waiters before it gets its slot: the head's
 * slot (`nextAt`, or now), then `spacing` per waiter ahead.
 */
export function estimateSlot(nextAt: number, now: number, ahead: number, spacing: number): number {
  return Math.max(nextAt, now) + ahead * spacing;
}
