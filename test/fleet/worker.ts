/**
 * One process of a fleet test, spawned by fleet.ts with
 * `node --import tsx worker.ts`. It talks to the parent over IPC: it sends
 * `ready`; then, for each `{ type: "run", mode, target, ... }` it runs the mode
 * against `target` and answers `done` with counts (or `failed`).
 *
 * Modes:
 * - `warm`: 64 requests to /warmup through a rate limiter (100/s) on the shared
 *   store, so connections, scripts and hot paths are ready before a timed run.
 * - `rate`: 8 concurrent loops send GET /work through rateLimit(50/s) on the
 *   shared redisStore (limiter key `key`) until `until`, then report counts.
 * - `hold-permits`: takes every permit of a shared concurrency limit with
 *   requests that never get answered, reports `holding`, and waits to be killed.
 * - `trip-breaker`: sends to a failing route until its shared breaker opens.
 */
import { Redis } from "ioredis";
import { compose } from "../../src/compose.js";
import { circuitBreaker } from "../../src/middleware/circuit-breaker.js";
import { concurrency } from "../../src/middleware/concurrency.js";
import { rateLimit } from "../../src/middleware/rate-limit.js";
import { redisStore } from "../../src/stores/redis.js";
import { undiciTransport } from "../../src/transport/undici.js";
import type { ApiResponse, Next } from "../../src/types.js";

export interface RunMessage {
  type: "run";
  mode: "warm" | "rate" | "hold-permits" | "trip-breaker";
  target: string;
  key?: string;
  until?: number;
}

const env = (name: string): string => {
  const v = process.env[name];
  if (v === undefined) throw new Error(`worker: ${name} is not set`);
  return v;
};

const redis = new Redis(env("REDIS_URL"));
const store = redisStore(redis, { prefix: env("PREFIX") });
const transport = undiciTransport();
const worker = env("WORKER");
const reply = (msg: unknown) => process.send?.(msg);

function get(pipeline: Next, origin: string, path: string, signal?: AbortSignal): Promise<ApiResponse> {
  return pipeline({ method: "GET", origin, path, route: path, headers: { "x-worker": worker }, replayable: true, attempt: 1, context: {}, signal });
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

async function rate(target: string, key: string, until: number): Promise<Record<string, number>> {
  const limiter = rateLimit({ limits: [{ requests: 50, per: "1s" }], store, key });
  const pipeline = compose([limiter], transport.send);
  const stop = AbortSignal.timeout(Math.max(0, until - Date.now()));
  const counts: Record<string, number> = {};
  const count = (what: string) => {
    counts[what] = (counts[what] ?? 0) + 1;
  };
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (!stop.aborted) {
        try {
          const res = await get(pipeline, target, "/work", stop);
          res.body?.resume();
          count(String(res.status));
        } catch {
          if (!stop.aborted) count("error");
        }
      }
    }),
  );
  const k = limiter.stats().keys[key];
  return { ...counts, delayed: k?.delayed ?? 0, stale: k?.stale ?? 0 };
}

async function holdPermits(target: string): Promise<never> {
  const pipeline = compose([concurrency({ limit: 3, store, key: "held", lease: "1s" })], transport.send);
  for (let i = 0; i < 3; i++) get(pipeline, target, "/stall").catch(() => {});
  reply({ type: "holding" });
  return new Promise<never>(() => {}); // until SIGKILL
}

async function tripBreaker(target: string): Promise<Record<string, number>> {
  const pipeline = compose([circuitBreaker({ failureRate: 0, consecutiveFailures: 3, halfOpenAfter: "30s", store })], transport.send);
  for (let i = 0; i < 3; i++) (await get(pipeline, target, "/broken")).body?.resume();
  return {};
}

function run(m: RunMessage): Promise<Record<string, number>> {
  switch (m.mode) {
    case "warm":
      return warm(m.target);
    case "rate":
      return rate(m.target, m.key ?? "fleet-api", m.until ?? 0);
    case "hold-permits":
      return holdPermits(m.target);
    case "trip-breaker":
      return tripBreaker(m.target);
  }
}

process.on("message", (m: RunMessage) => {
  if (m.type !== "run") return;
  run(m).then(
    (counts) => reply({ type: "done", counts }),
    (error: unknown) => reply({ type: "failed", error: String(error) }),
  );
});
process.on("disconnect", () => {
  void transport.close();
  redis.disconnect();
});
reply({ type: "ready" });
