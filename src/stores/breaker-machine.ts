import type { BreakerConfig, BreakerSnapshot } from "./types.js";

/**
 * The circuit breaker's state machine, as the memory store runs it; the Redis
 * script is a line-by-line port (src/stores/redis-scripts.ts), and the shared
 * contract suite holds both to the same behaviour.
 *
 *   closed --(failure rate or N failures in a row)--> open
 *   open --(openMs elapsed)--> half-open (at most `halfOpenProbes` probes at once)
 *   half-open --(probe fails)--> open;  --(successesToClose probes succeed)--> closed
 *   half-open --(probe released: it never reached the server)--> half-open, its slot free
 */
export interface BreakerData {
  state: "closed" | "open" | "half-open";
  openUntil: number;
  halfOpenSince: number;
  probes: number;
  successes: number;
  consecutive: number;
  /** Count window: outcomes, true = failure, oldest first. */
  outcomes: boolean[];
  /** Time window: buckets of `ms / BUCKETS`, keyed by bucket index. */
  buckets: Map<number, { total: number; failures: number }>;
  /** Outcomes and failures in the window, kept as they come and go (no scan of the window per request). */
  total: number;
  failures: number;
  /** The smallest bucket index held (Infinity: none), so expired buckets are looked for only when one can be. */
  oldestBucket: number;
}

/** A time window is kept as this many buckets (the window slides one bucket at a time). */
export const BUCKETS = 10;

export function newBreakerData(): BreakerData {
  return {
    state: "closed",
    openUntil: 0,
    halfOpenSince: 0,
    probes: 0,
    successes: 0,
    consecutive: 0,
    outcomes: [],
    buckets: new Map(),
    total: 0,
    failures: 0,
    oldestBucket: Number.POSITIVE_INFINITY,
  };
}

function resetWindow(d: BreakerData): void {
  d.outcomes = [];
  d.buckets = new Map();
  d.total = 0;
  d.failures = 0;
  d.oldestBucket = Number.POSITIVE_INFINITY;
  d.consecutive = 0;
}

function open(d: BreakerData, config: BreakerConfig, now: number): void {
  d.state = "open";
  d.openUntil = now + config.openMs;
  d.probes = 0;
  d.successes = 0;
  resetWindow(d);
}

/** Applies the transitions time alone causes: open → half-open when due; frees probe slots lost for `openMs`. */
export function settle(d: BreakerData, config: BreakerConfig, now: number): void {
  if (d.state === "open" && now >= d.openUntil) {
    d.state = "half-open";
    d.halfOpenSince = now;
    d.probes = 0;
    d.successes = 0;
  } else if (d.state === "half-open" && d.probes > 0 && now - d.halfOpenSince >= config.openMs) {
    // Probes that never reported (their process died): let new ones through.
    d.probes = 0;
    d.halfOpenSince = now;
  }
}

/** Drops the time window's buckets that slid out of it (a scan only when the oldest one has). */
function expireBuckets(d: BreakerData, config: BreakerConfig, now: number): void {
  if (config.window.kind !== "time") return;
  const current = Math.floor(now / (config.window.ms / BUCKETS));
  if (d.oldestBucket > current - BUCKETS) return;
  let oldest = Number.POSITIVE_INFINITY;
  d.buckets.forEach((b, index) => {
    if (index <= current - BUCKETS) {
      d.buckets.delete(index);
      d.total -= b.total;
      d.failures -= b.failures;
    } else if (index < oldest) oldest = index;
  });
  d.oldestBucket = oldest;
}

function addOutcome(d: BreakerData, config: BreakerConfig, now: number, failure: boolean): void {
  d.total++;
  if (failure) d.failures++;
  if (config.window.kind === "count") {
    d.outcomes.push(failure);
    if (d.outcomes.length > config.window.size) {
      d.total--;
      if (d.outcomes.shift()) d.failures--;
    }
    return;
  }
  const index = Math.floor(now / (config.window.ms / BUCKETS));
  const b = d.buckets.get(index);
  if (b === undefined) {
    d.buckets.set(index, { total: 1, failures: failure ? 1 : 0 });
    if (index < d.oldestBucket) d.oldestBucket = index;
  } else {
    b.total++;
    if (failure) b.failures++;
  }
}

/**
 * Records one outcome. `probe` says whether the request was let through as a
 * half-open probe; outcomes of other requests are ignored unless closed (a
 * request sent before the breaker opened must not close it again).
 */
export function recordOutcome(d: BreakerData, config: BreakerConfig, now: number, success: boolean, probe: boolean): void {
  settle(d, config, now);
  if (d.state === "half-open") {
    if (!probe) return;
    if (d.probes > 0) d.probes--;
    if (!success) {
      open(d, config, now);
      return;
    }
    d.successes++;
    if (d.successes >= config.successesToClose) {
      d.state = "closed";
      d.probes = 0;
      d.successes = 0;
      resetWindow(d);
    }
    return;
  }
  if (d.state === "open") return;
  d.consecutive = success ? 0 : d.consecutive + 1;
  expireBuckets(d, config, now);
  addOutcome(d, config, now, !success);
  if (config.consecutiveFailures > 0 && d.consecutive >= config.consecutiveFailures) open(d, config, now);
  else if (config.failureRate > 0) {
    const { total, failures } = d;
    if (total >= config.minimumRequests && total > 0 && failures / total >= config.failureRate) open(d, config, now);
  }
}

/** Takes a probe slot when half-open (after `settle`); always allowed when closed. */
export function takeProbe(d: BreakerData, config: BreakerConfig, now: number): boolean {
  settle(d, config, now);
  if (d.state === "closed") return true;
  if (d.state === "open" || d.probes >= config.halfOpenProbes) return false;
  d.probes++;
  return true;
}

/** Gives a probe slot back without an outcome (after `settle`); nothing to give back unless half-open. */
export function releaseProbe(d: BreakerData, config: BreakerConfig, now: number): void {
  settle(d, config, now);
  if (d.state === "half-open" && d.probes > 0) d.probes--;
}

/** When a probe may go: open, when `openMs` ends; half-open with every slot taken, when `settle` would free them. */
function retryIn(d: BreakerData, config: BreakerConfig, now: number): number {
  if (d.state === "open") return Math.max(0, d.openUntil - now);
  if (d.state === "half-open" && d.probes >= config.halfOpenProbes) return Math.max(0, d.halfOpenSince + config.openMs - now);
  return 0;
}

export function snapshot(d: BreakerData, config: BreakerConfig, now: number): BreakerSnapshot {
  const closed = d.state === "closed";
  if (closed) expireBuckets(d, config, now);
  return { state: d.state, retryIn: retryIn(d, config, now), total: closed ? d.total : 0, failures: closed ? d.failures : 0, consecutive: d.consecutive };
}
