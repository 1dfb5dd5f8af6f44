import { type Clock, systemClock } from "../clock.js";
import { ConfigError } from "../errors.js";
import type { Duration } from "../util/duration.js";
import { durationOption, integerOption } from "../util/options.js";
import { type InboxLimits, type Probe, probeFor } from "./probes.js";
import type { CheckResult, HealthReport, HealthStatus, HealthTarget, InboxThresholds } from "./types.js";

export interface CheckHealthOptions {
  /** Time each probe may take; a probe still running then counts as `down` (default "2s"). */
  timeout?: Duration;
  /** When an inbox counts as `degraded`. */
  inbox?: InboxThresholds;
  /** Checks whose failure only degrades the whole (e.g. a cache's Redis): their `down` counts as `degraded` in the overall status. */
  optional?: ReadonlyArray<string>;
  clock?: Clock;
}

const RANK: Record<HealthStatus, number> = { healthy: 0, degraded: 1, down: 2 };
const TIMED_OUT = Symbol("timed out");

/**
 * Probes every target at once, each bounded by `timeout`, and sums them up:
 * the overall status is the worst one. Targets are recognised by shape:
 * clients (health endpoint, breakers), stores and Redis clients (PING),
 * `pg` pools (`SELECT 1`), webhook inboxes (counts, oldest pending, failing,
 * dead), workers, breakers and custom functions.
 *
 * ```ts
 * const report = await checkHealth({ stripe, redis: store, inbox });
 * // { status: "degraded", reasons: ["inbox: 2 dead letters"], checks: { ... } }
 * ```
 */
export async function checkHealth(targets: Record<string, HealthTarget>, options: CheckHealthOptions = {}): Promise<HealthReport> {
  const run = healthCheck(targets, options);
  return run();
}

/** Checks options and targets once; returns the function that runs the checks (what `healthRoute` calls per request). */
export function healthCheck(targets: Record<string, HealthTarget>, options: CheckHealthOptions = {}): () => Promise<HealthReport> {
  if (targets === null || typeof targets !== "object") throw new ConfigError("targets", "must be an object of named targets, e.g. { api: client, inbox }");
  const timeoutMs = durationOption(options.timeout ?? "2s", "timeout");
  const clock = options.clock ?? systemClock;
  const limits: InboxLimits = {
    maxPending: maxPendingOption(options.inbox?.maxPending),
    maxPendingAgeMs: durationOption(options.inbox?.maxPendingAge ?? "5m", "inbox.maxPendingAge"),
    deadIsDegraded: options.inbox?.deadIsDegraded ?? true,
  };
  const optional = new Set(options.optional ?? []);
  for (const name of optional) if (!(name in targets)) throw new ConfigError("optional", `names "${name}", which is not one of the targets`);
  const probes = Object.entries(targets).map(([name, target]) => {
    try {
      return [name, probeFor(name, target, limits)] as const;
    } catch (error) {
      throw new ConfigError(`targets.${name}`, (error as Error).message.replace(/^checkHealth: /, ""));
    }
  });

  return async () => {
    const started = clock.now();
    const results = await Promise.all(probes.map(async ([name, probe]) => [name, await bounded(probe, timeoutMs, clock)] as const));
    let status: HealthStatus = "healthy";
    const reasons: string[] = [];
    for (const [name, result] of results) {
      const counted = optional.has(name) && result.status === "down" ? "degraded" : result.status;
      if (RANK[counted] > RANK[status]) status = counted;
      for (const reason of result.reasons) reasons.push(`${name}: ${reason}`);
    }
    return { status, reasons, checks: Object.fromEntries(results), checkedAt: new Date(clock.now()).toISOString(), durationMs: clock.now() - started };
  };
}

/** Runs one probe against the clock: a thrown error or a probe past its time is `down`, with the reason. */
async function bounded(probe: Probe, timeoutMs: number, clock: Clock): Promise<CheckResult> {
  const started = clock.now();
  const abort = new AbortController();
  const timer = new AbortController();
  const expired = clock.sleep(timeoutMs, timer.signal).then(
    (): typeof TIMED_OUT => TIMED_OUT,
    () => undefined,
  );
  try {
    const outcome = await Promise.race([probe(abort.signal, started), expired]);
    const latencyMs = clock.now() - started;
    if (outcome === TIMED_OUT) {
      abort.abort(new Error(`health check timed out after ${timeoutMs} ms`));
      return { status: "down", latencyMs, reasons: [`timed out after ${timeoutMs} ms`] };
    }
    if (outcome === undefined) throw new Error("health check timer stopped");
    return { ...outcome, latencyMs };
  } catch (error) {
    return { status: "down", latencyMs: clock.now() - started, reasons: [describe(error)] };
  } finally {
    timer.abort();
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === "string" && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}

/** `inbox.maxPending`: a whole number of events (0: any is too many), or no limit (unset or `Infinity`). */
function maxPendingOption(value: number | undefined): number {
  if (value === undefined || value === Number.POSITIVE_INFINITY) return Number.POSITIVE_INFINITY;
  return integerOption(value, "inbox.maxPending", 0);
}
