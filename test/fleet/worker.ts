/**
 * One process of a fleet test, spawned by fleet.ts with
 * `node --import tsx worker.ts`. It talks to the parent over IPC: it sends
 * `ready`; then, for each `{ type: "run", mode, target, ... }` it runs the mode
 * against `target` and answers `done` with counts (or `failed`).
 *
 * Modes:
 * - `warm`: 64 requests to /warmup through a rate limiter (100/s) on the shared
 *   store, so connections, scripts and hot paths are ready before a timed run.
 * - `rate`: `loops` (default 8) concurrent loops send GET /work through
 *   rateLimit(`limit`/s, default 50) on the shared store (limiter key `key`)
 *   until `until`, then report counts.
 * - `leases`: `loops` concurrent loops send GET /slow through
 *   concurrency(`limit`) on the shared store until `until`, then report counts.
 *   In both, nothing new is sent after `until`; a request already sent runs
 *   to its end (waiting for a slot or permit is what `until` cuts off).
 * - `hold-permits`: takes every permit of a shared concurrency limit with
 *   requests that never get answered, reports `holding`, and waits to be killed.
 * - `trip-breaker`: sends to a failing route until its shared breaker opens.
 * - `breaker-probe`: one request to /broken through the same shared breaker;
 *   reports whether it failed fast (`open`) or reached the server.
 * - `client-rate`: `loops` loops of `client.get("/work")` through a whole
 *   client (rateLimit(`limit`/s) on the shared store, `timeout.total` 1 s, no
 *   retries) until `until` or a `{ type: "stop" }` message; counts outcomes
 *   by error code, the longest call and when the last success came, and sends
 *   each call's [end, duration, outcome] as `timeline`.
 *
 * The store is Redis at REDIS_URL, or the cluster whose seed nodes are in
 * REDIS_CLUSTER_NODES (JSON `[{ host, port }]`).
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import { Redis } from "ioredis";
import { createClient } from "../../src/client/create-client.js";
import { compose } from "../../src/compose.js";
import { circuitBreaker } from "../../src/middleware/circuit-breaker/circuit-breaker.js";
import { concurrency } from "../../src/middleware/concurrency/concurrency.js";
import { rateLimit } from "../../src/middleware/rate-limit/rate-limit.js";
import { redisStore } from "../../src/stores/redis.js";
import { undiciTransport } from "../../src/transport/undici.js";
import type { ApiResponse, Middleware, Next } from "../../src/types.js";
import { apiRequest } from "../support/request.js";

export interface RunMessage {
  type: "run";
  mode: "warm" | "rate" | "leases" | "hold-permits" | "trip-breaker" | "breaker-probe" | "client-rate";
  target: string;
  key?: string;
  until?: number;
  limit?: number;
  loops?: number;
  /** rate: the limiter's `arrivalMargin` in ms. */
  arrivalMargin?: number;
}

const env = (name: string): string => {
  const v = process.env[name];
  if (v === undefined) throw new Error(`worker: ${name} is not set`);
  return v;
};

const clusterNodes = process.env.REDIS_CLUSTER_NODES;
const redis = clusterNodes ? new Redis.Cluster(JSON.parse(clusterNodes) as Array<{ host: string; port: number }>) : new Redis(env("REDIS_URL"));
if (process.env.FLEET_DEBUG && redis instanceof Redis.Cluster) {
  for (const event of ["+node", "-node", "node error", "error", "close", "reconnecting", "ready", "refresh"])
    redis.on(event, (x: unknown) =>
      console.error(
        `[worker ${process.env.WORKER}] ${Date.now() % 100_000} cluster ${event} ${x instanceof Error ? x.message : ((x as { options?: { port?: number } })?.options?.port ?? "")}`,
      ),
    );
}
const store = redisStore(redis, { prefix: env("PREFIX") });
const transport = undiciTransport();
const worker = env("WORKER");
const reply = (msg: unknown) => process.send?.(msg);

function get(pipeline: Next, origin: string, path: string, signal?: AbortSignal): Promise<ApiResponse> {
  return pipeline(apiRequest(origin + path, { route: path, headers: { "x-worker": worker }, signal }));
}

async function warm(target: string): Promise<Record<string, number>> {
  // 8 loops against a limit they exceed, so the waiting paths (queue, reservations, timers) are compiled too.
  const pipeline = compose([rateLimit({ limits: [{ requests: 100, per: "1s" }], store, key: `warmup-${worker}` })], transport.send);
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let i = 0; i < 8; i++) (await get(pipeline, target, "/warmup")).body?.resume();
    }),
  );
  return {};
}

/**
 * The last step of a timed run's pipeline: a request already sent runs to its
 * end although the run's signal fires. Only waiting (for a slot, a permit) is
 * cut off at `until`: a request aborted in flight would give its permit back
 * while the server still works on it, and the next holder would meet it there.
 */
const finishOnceSent: Middleware = (req, next) => next({ ...req, signal: undefined });

/** `loops` loops sending GET `path` through `policies` until `until`; counts by status (or `error`). */
async function loop(policies: Middleware[], target: string, path: string, loops: number, until: number): Promise<Record<string, number>> {
  const pipeline = compose([...policies, finishOnceSent], transport.send);
  const stop = AbortSignal.timeout(Math.max(0, until - Date.now()));
  const counts: Record<string, number> = {};
  const count = (what: string) => {
    counts[what] = (counts[what] ?? 0) + 1;
  };
  await Promise.all(
    Array.from({ length: loops }, async () => {
      while (!stop.aborted) {
        try {
          const res = await get(pipeline, target, path, stop);
          if (res.body)
            for await (const _ of res.body) {
            }
          count(String(res.status));
        } catch (e) {
          if (!stop.aborted) count(`error:${(e as { code?: string }).code ?? "unknown"}`);
        }
      }
    }),
  );
  return counts;
}

async function rate(m: RunMessage): Promise<Record<string, number>> {
  const key = m.key ?? "fleet-api";
  let storeCalls = 0;
  const counted = {
    ...store,
    acquireRate: (...a: Parameters<typeof store.acquireRate>) => {
      storeCalls++;
      return store.acquireRate(...a);
    },
  };
  const limiter = rateLimit({
    limits: [{ requests: m.limit ?? 50, per: "1s" }],
    store: counted,
    key,
    ...(m.arrivalMargin !== undefined && { arrivalMargin: m.arrivalMargin }),
  });
  const lag = monitorEventLoopDelay({ resolution: 20 });
  lag.enable();
  const cpu = process.cpuUsage();
  const counts = await loop([limiter], m.target, "/work", m.loops ?? 8, m.until ?? 0);
  lag.disable();
  const used = process.cpuUsage(cpu);
  const k = limiter.stats().keys[key];
  return {
    ...counts,
    delayed: k?.delayed ?? 0,
    stale: k?.stale ?? 0,
    storeCalls,
    cpuMs: Math.round((used.user + used.system) / 1000),
    lagP50: Math.round(lag.percentile(50) / 1e6),
    lagP99: Math.round(lag.percentile(99) / 1e6),
    lagMax: Math.round(lag.max / 1e6),
  };
}

async function leases(m: RunMessage): Promise<Record<string, number>> {
  const limited = concurrency({ limit: m.limit ?? 10, store, key: m.key ?? "fleet-leases", lease: "5s", pollInterval: "5ms" });
  return loop([limited], m.target, "/slow", m.loops ?? 2, m.until ?? 0);
}

/** Set by a `stop` message: the running `client-rate` loops end after their current call. */
let stopRequested = false;
/** Each call of the last `client-rate` run: [when it ended (ms since epoch), how long it took, outcome]. */
let timeline: Array<[number, number, string]> = [];

async function clientRate(m: RunMessage): Promise<Record<string, number>> {
  const client = createClient({
    baseUrl: m.target,
    store,
    rateLimit: { limits: [{ requests: m.limit ?? 50, per: "1s" }], key: m.key ?? "fleet-client" },
    timeout: { total: 1000 },
    retry: false,
  });
  const counts: Record<string, number> = { longestMs: 0, lastOkAt: 0 };
  const until = m.until ?? 0;
  stopRequested = false;
  timeline = [];
  await Promise.all(
    Array.from({ length: m.loops ?? 4 }, async () => {
      while (Date.now() < until && !stopRequested) {
        const started = Date.now();
        let outcome = "ok";
        try {
          await client.get("/work");
          counts.lastOkAt = Date.now();
        } catch (e) {
          outcome = (e as { code?: string }).code ?? "uncoded";
          if (process.env.FLEET_DEBUG)
            console.error(`[worker ${worker}] ${Date.now() % 100_000} ${outcome} after ${Date.now() - started} ms: ${(e as Error).message}`);
        }
        // Measured before the pause below: a late timer there is not the call's time.
        const ended = Date.now();
        const took = ended - started;
        timeline.push([ended, took, outcome]);
        counts.longestMs = Math.max(counts.longestMs as number, took);
        counts[`longest ${outcome}`] = Math.max(counts[`longest ${outcome}`] ?? 0, took);
        counts[outcome] = (counts[outcome] ?? 0) + 1;
        // A refused call comes back at once: do not spin on it.
        if (outcome !== "ok") await new Promise((r) => setTimeout(r, 20));
      }
    }),
  );
  await client.close();
  return counts;
}

async function holdPermits(target: string): Promise<never> {
  const pipeline = compose([concurrency({ limit: 3, store, key: "held", lease: "1s" })], transport.send);
  for (let i = 0; i < 3; i++) get(pipeline, target, "/stall").catch(() => {});
  reply({ type: "holding" });
  return new Promise<never>(() => {}); // until SIGKILL
}

const sharedBreaker = () => circuitBreaker({ failureRate: 0, consecutiveFailures: 3, halfOpenAfter: "30s", store });

async function tripBreaker(target: string): Promise<Record<string, number>> {
  const pipeline = compose([sharedBreaker()], transport.send);
  for (let i = 0; i < 3; i++) (await get(pipeline, target, "/broken")).body?.resume();
  return {};
}

async function breakerProbe(target: string): Promise<Record<string, number>> {
  try {
    (await get(compose([sharedBreaker()], transport.send), target, "/broken")).body?.resume();
    return { reached: 1 };
  } catch (e) {
    return (e as { code?: string }).code === "BALLAST_CIRCUIT_OPEN" ? { open: 1 } : { error: 1 };
  }
}

function run(m: RunMessage): Promise<Record<string, number>> {
  switch (m.mode) {
    case "warm":
      return warm(m.target);
    case "rate":
      return rate(m);
    case "leases":
      return leases(m);
    case "hold-permits":
      return holdPermits(m.target);
    case "trip-breaker":
      return tripBreaker(m.target);
    case "breaker-probe":
      return breakerProbe(m.target);
    case "client-rate":
      return clientRate(m);
  }
}

process.on("message", (m: RunMessage | { type: "stop" }) => {
  if (m.type === "stop") stopRequested = true;
  if (m.type !== "run") return;
  run(m).then(
    (counts) => reply({ type: "done", counts, ...(m.mode === "client-rate" && { timeline }) }),
    (error: unknown) => reply({ type: "failed", error: String(error) }),
  );
});
process.on("disconnect", () => {
  void transport.close();
  redis.disconnect();
});
reply({ type: "ready" });
