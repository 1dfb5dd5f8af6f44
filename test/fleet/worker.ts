/**
 * One process of a fleet test, spawned by fleet.test.ts with
 * `node --import tsx worker.ts`. It talks to the parent over IPC:
 * sends `ready`, waits for `start`, runs its mode, sends `done` with counts.
 *
 * Modes (env MODE):
 * - `rate`: 8 concurrent loops send GET /work through rateLimit(50/s) on a
 *   shared redisStore until `until`, then report status counts.
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
import type { ApiRequest } from "../../src/types.js";

const env = (name: string): string => {
  const v = process.env[name];
  if (v === undefined) throw new Error(`worker: ${name} is not set`);
  return v;
};

const redis = new Redis(env("REDIS_URL"));
const store = redisStore(redis, { prefix: env("PREFIX") });
const transport = undiciTransport();
const origin = env("TARGET");
const worker = env("WORKER");
const send = (path: string, signal?: AbortSignal) =>
  (next: (req: ApiRequest) => Promise<unknown>) =>
    next({ method: "GET", origin, path, route: path, headers: { "x-worker": worker }, replayable: true, attempt: 1, context: {}, signal });

const reply = (msg: unknown) => process.send?.(msg);

async function rate(until: number): Promise<Record<string, number>> {
  const limiter = rateLimit({ limits: [{ requests: 50, per: "1s" }], store, key: "fleet-api" });
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
          const res = await send("/work", stop)(pipeline);
          (res as { body: NodeJS.ReadableStream | null }).body?.resume();
          count(String((res as { status: number }).status));
        } catch {
          if (!stop.aborted) count("error");
        }
      }
    }),
  );
  return counts;
}

async function holdPermits(): Promise<void> {
  const pipeline = compose([concurrency({ limit: 3, store, key: "held", lease: "1s" })], transport.send);
  for (let i = 0; i < 3; i++) send("/stall")(pipeline).catch(() => {});
  reply({ type: "holding" });
  await new Promise(() => {}); // until SIGKILL
}

async function tripBreaker(): Promise<void> {
  const pipeline = compose([circuitBreaker({ failureRate: 0, consecutiveFailures: 3, halfOpenAfter: "30s", store })], transport.send);
  for (let i = 0; i < 3; i++) {
    const res = (await send("/broken")(pipeline)) as { body: NodeJS.ReadableStream | null };
    res.body?.resume();
  }
}

process.on("message", (msg: { type: string; until?: number }) => {
  if (msg.type !== "start") return;
  const mode = env("MODE");
  const run = mode === "rate" ? rate(msg.until ?? 0) : mode === "hold-permits" ? holdPermits() : tripBreaker();
  run.then(
    async (counts) => {
      reply({ type: "done", counts: counts ?? {} });
      await transport.close();
      redis.disconnect();
    },
    (error: unknown) => reply({ type: "failed", error: String(error) }),
  );
});
reply({ type: "ready" });
