import type { InboxCounts } from "../webhooks/inbox/types.js";
import type { CheckResult, CustomCheck, CustomCheckResult, HealthStatus } from "./types.js";

/** A probe measures nothing itself: `checkHealth` times it and bounds it. */
export type Probe = (signal: AbortSignal, now: number) => Promise<Omit<CheckResult, "latencyMs">>;

export interface InboxLimits {
  maxPending: number;
  maxPendingAgeMs: number;
  deadIsDegraded: boolean;
}

const ok = (details?: Record<string, unknown>): Omit<CheckResult, "latencyMs"> => ({ status: "healthy", reasons: [], ...(details && { details }) });
const isFn = (x: unknown, name: string) => typeof (x as Record<string, unknown>)[name] === "function";

interface ClientLike {
  config: { health?: { path: string; method: "GET" | "HEAD" } | undefined };
  raw(options: { method: string; path: string; signal?: AbortSignal }): Promise<{ status: number; body: { resume(): unknown } | null }>;
  stats(): { policies: Record<string, unknown> };
}

interface InboxLike {
  kind: string;
  counts?(): Promise<InboxCounts>;
  list(options: { status: string; limit: number }): Promise<Array<{ receivedAt: number; lastError?: string | undefined }>>;
}

/** Breaker states (`{ key: { state } }`) from a circuitBreaker's or a client's stats. */
function breakerStates(stats: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (stats === null || typeof stats !== "object") return out;
  for (const [key, s] of Object.entries(stats as Record<string, unknown>)) {
    const state = (s as { state?: unknown } | null)?.state;
    if (typeof state === "string") out[key] = state;
  }
  return out;
}

function judgeBreakers(states: Record<string, string>): { status: HealthStatus; reasons: string[] } {
  const reasons = Object.entries(states)
    .filter(([, state]) => state !== "closed")
    .map(([key, state]) => `circuit ${state} for ${key}`);
  return { status: reasons.length > 0 ? "degraded" : "healthy", reasons };
}

function clientProbe(client: ClientLike): Probe {
  return async (signal) => {
    const breakers = breakerStates(client.stats().policies.circuitBreaker);
    const judged = judgeBreakers(breakers);
    const details: Record<string, unknown> = { breakers };
    const endpoint = client.config.health;
    if (endpoint === undefined) return { ...judged, details };
    const res = await client.raw({ method: endpoint.method, path: endpoint.path, signal });
    res.body?.resume();
    details.endpoint = { path: endpoint.path, status: res.status };
    if (res.status >= 400) return { status: "down", reasons: [`${endpoint.method} ${endpoint.path} answered ${res.status}`, ...judged.reasons], details };
    return { ...judged, details };
  };
}

function inboxProbe(inbox: InboxLike, limits: InboxLimits): Probe {
  return async (_signal, now) => {
    const counts = inbox.counts ? await inbox.counts() : await countsFromList(inbox);
    const reasons: string[] = [];
    const unfinished = counts.pending + counts.processing;
    const oldestPendingAgeMs = counts.oldestPendingAt === undefined ? undefined : Math.max(0, now - counts.oldestPendingAt);
    if (unfinished > limits.maxPending) reasons.push(`${unfinished} events waiting (more than ${limits.maxPending})`);
    if (oldestPendingAgeMs !== undefined && oldestPendingAgeMs > limits.maxPendingAgeMs)
      reasons.push(`oldest unfinished event is ${Math.round(oldestPendingAgeMs / 1000)} s old (more than ${Math.round(limits.maxPendingAgeMs / 1000)} s)`);
    if (counts.failing > 0) reasons.push(`${counts.failing} event${counts.failing === 1 ? "" : "s"} failing (retrying)`);
    if (limits.deadIsDegraded && counts.dead > 0) reasons.push(`${counts.dead} dead letter${counts.dead === 1 ? "" : "s"}`);
    const details = { kind: inbox.kind, ...counts, oldestPendingAgeMs };
    return { status: reasons.length > 0 ? "degraded" : "healthy", reasons, details };
  };
}

/** For inboxes without `counts()`: the first thousand of each state. */
async function countsFromList(inbox: InboxLike): Promise<InboxCounts> {
  const [pending, processing, done, dead] = await Promise.all(["pending", "processing", "done", "dead"].map((status) => inbox.list({ status, limit: 1000 })));
  const open = [...(pending ?? []), ...(processing ?? [])];
  return {
    pending: pending?.length ?? 0,
    processing: processing?.length ?? 0,
    done: done?.length ?? 0,
    dead: dead?.length ?? 0,
    failing: open.filter((e) => e.lastError !== undefined).length,
    oldestPendingAt: open.length === 0 ? undefined : Math.min(...open.map((e) => e.receivedAt)),
  };
}

function customProbe(check: CustomCheck): Probe {
  return async (signal) => judgeCustom(await check(signal));
}

function judgeCustom(r: CustomCheckResult): Omit<CheckResult, "latencyMs"> {
  if (r === undefined || r === true) return ok();
  if (r === false) return { status: "down", reasons: ["check failed"] };
  return { status: r.status, reasons: r.reasons ?? [], ...(r.details && { details: r.details }) };
}

/**
 * The probe for a target, by its shape. Order matters: a client also has
 * `stats`, an inbox also has `list`.
 */
export function probeFor(name: string, target: unknown, limits: InboxLimits): Probe {
  if (target === null || (typeof target !== "object" && typeof target !== "function")) {
    throw new TypeError(`checkHealth: "${name}" is not something to check (a client, store, inbox, worker, breaker, Redis client, pg pool or function)`);
  }
  if (isFn(target, "raw") && isFn(target, "stats") && typeof (target as { config?: unknown }).config === "object") return clientProbe(target as ClientLike);
  if (isFn(target, "claim") && isFn(target, "put") && isFn(target, "list")) return inboxProbe(target as InboxLike, limits);
  if (isFn(target, "runOnce") && isFn(target, "stats")) return workerProbe(target as WorkerLike);
  // A store (redisStore, memoryStore) or a raw ioredis client: one round trip.
  if (isFn(target, "ping")) return pingProbe(target as { ping(): Promise<unknown> });
  // A pg Pool or Client.
  if (isFn(target, "query")) return queryProbe(target as { query(sql: string): Promise<unknown> });
  if (typeof target === "function" && isFn(target, "stats")) return breakerProbe(target as unknown as { stats(): unknown });
  if (typeof target === "function") return customProbe(target as CustomCheck);
  throw new TypeError(`checkHealth: "${name}" is not something to check (a client, store, inbox, worker, breaker, Redis client, pg pool or function)`);
}

interface WorkerLike {
  stats(): { running: boolean; inFlight: number; succeeded: number; failed: number; deadLettered: number };
}

function workerProbe(worker: WorkerLike): Probe {
  return async () => {
    const s = worker.stats();
    if (!s.running) return { status: "degraded", reasons: ["worker is not running"], details: { ...s } };
    return ok({ ...s });
  };
}

function pingProbe(target: { ping(): Promise<unknown> }): Probe {
  return async () => {
    await target.ping();
    return ok();
  };
}

function queryProbe(target: { query(sql: string): Promise<unknown> }): Probe {
  return async () => {
    await target.query("SELECT 1");
    return ok();
  };
}

function breakerProbe(breaker: { stats(): unknown }): Probe {
  return async () => {
    const breakers = breakerStates(breaker.stats());
    return { ...judgeBreakers(breakers), details: { breakers } };
  };
}
