import type { Duration } from "../util/duration.js";

/** `healthy`: all good. `degraded`: working, but something needs a look (dead letters, an open breaker). `down`: not working. */
export type HealthStatus = "healthy" | "degraded" | "down";

/** The outcome of one check. */
export interface CheckResult {
  status: HealthStatus;
  /** How long the probe took, ms. */
  latencyMs: number;
  /** Why the status is not `healthy` (empty when it is). */
  reasons: string[];
  /** Figures the probe read: inbox counts, breaker states, the health endpoint's status. */
  details?: Record<string, unknown>;
}

export interface HealthReport {
  /** The worst status of all checks. */
  status: HealthStatus;
  /** Every check's reasons, prefixed with the check's name. */
  reasons: string[];
  checks: Record<string, CheckResult>;
  /** ISO 8601. */
  checkedAt: string;
  durationMs: number;
}

/** What a custom check returns: nothing or true (healthy), false (down), or a status with reasons. */
// biome-ignore lint/suspicious/noConfusingVoidType: `void` lets a check be `async () => { await ping() }`; `undefined` would refuse its Promise<void>
export type CustomCheckResult = void | boolean | { status: HealthStatus; reasons?: string[]; details?: Record<string, unknown> };

/** A custom check; `signal` aborts when the check's time is up. */
export type CustomCheck = (signal: AbortSignal) => CustomCheckResult | Promise<CustomCheckResult>;

/**
 * Anything `checkHealth` can probe, recognised by its shape (no optional
 * package is imported): a ballast `Client`, a `Store` (`redisStore`,
 * `memoryStore`), a webhook inbox, a webhook worker, a `circuitBreaker()`,
 * an ioredis client, a `pg` pool, or a custom check function.
 */
export type HealthTarget = object | CustomCheck;

export interface InboxThresholds {
  /** More unfinished events than this is `degraded` (default: no limit). */
  maxPending?: number;
  /** An unfinished event older than this is `degraded` (default "5m"). */
  maxPendingAge?: Duration;
  /** Dead letters make the inbox `degraded` (default true). */
  deadIsDegraded?: boolean;
}
