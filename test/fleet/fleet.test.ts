/**
 * Separate Node processes sharing one redisStore against one simulated API.
 * Real time, real sockets, real Redis: assertions are counts with margins.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { compose } from "../../src/compose.js";
import { isCircuitOpenError } from "../../src/errors.js";
import { circuitBreaker } from "../../src/middleware/circuit-breaker.js";
import { concurrency } from "../../src/middleware/concurrency.js";
import { redisStore } from "../../src/stores/redis.js";
import { type ApiSimulator, createApiSimulator } from "../../src/testing/index.js";
import { undiciTransport } from "../../src/transport/undici.js";
import type { ApiRequest } from "../../src/types.js";
import { describeRedis, REDIS_URL, uniqueName } from "../support/services.js";
import { type FleetWorker, killAll, spawnWorker } from "./fleet.js";

const RUN_MS = 5000;
const LIMIT = 50;

describeRedis("fleet: 4 processes share one quota through redisStore", () => {
  let sim: ApiSimulator;
  let redis: Redis;
  let workers: FleetWorker[] = [];
  const prefix = `${uniqueName("ballast_fleet")}:`;

  beforeAll(async () => {
    redis = new Redis(REDIS_URL);
  });
  afterEach(async () => {
    killAll(workers);
    workers = [];
    await sim?.close();
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  async function startFleet(mode: string, n: number, run = RUN_MS): Promise<{ start: number; until: number }> {
    workers = Array.from({ length: n }, (_, i) =>
      spawnWorker({ MODE: mode, REDIS_URL, PREFIX: prefix, TARGET: sim.url, WORKER: String(i) }),
    );
    await Promise.all(workers.map((w) => w.next("ready")));
    const start = Date.now() + 100;
    const until = start + run;
    for (const w of workers) w.child.send({ type: "start", until });
    return { start, until };
  }

  /** A server that rejects anything above 50 requests in any 1 s window, allowing 1 more for arrival jitter. */
  async function limitedApi(): Promise<void> {
    sim = await createApiSimulator();
    sim.route("GET", "/work", { json: { ok: true } });
    sim.rateLimit({ requests: LIMIT + 1, per: 1000, headers: "none" });
  }

  it("holds 50 requests/s for 5 s: zero 429s and at least 95% of the allowed throughput", async () => {
    await limitedApi();
    await redis.del(`${prefix}rl:fleet-api`);
    const { start, until } = await startFleet("rate", 4);
    const done = await Promise.all(workers.map((w) => w.next<{ type: string; counts: Record<string, number> }>("done")));
    for (const d of done) expect(d.type).toBe("done");
    const inWindow = sim.requests.filter((r) => r.receivedAt >= start && r.receivedAt < until).length;
    const utilisation = inWindow / ((LIMIT * RUN_MS) / 1000);
    console.log(sim.requests.map((r) => `${r.headers["x-worker"]}@${(r.receivedAt - start).toFixed(0)}`).join(" "));
    console.log(`fleet: ${sim.requests.length} requests, ${sim.rejected} rejected, utilisation ${(utilisation * 100).toFixed(1)}%`, done.map((d) => d.counts));
    expect(sim.rejected).toBe(0);
    expect(utilisation).toBeGreaterThanOrEqual(0.95);
    expect(utilisation).toBeLessThanOrEqual(1.02);
    // every process got a share
    for (let i = 0; i < 4; i++) expect(sim.requests.filter((r) => r.headers["x-worker"] === String(i)).length).toBeGreaterThan(20);
  });

  it("a 429 + Retry-After seen by one process pauses all four", async () => {
    await limitedApi();
    await redis.del(`${prefix}rl:fleet-api`);
    let injectedAt: number | undefined;
    let armed = 0;
    sim.use((req) => {
      if (injectedAt !== undefined || armed === 0 || req.receivedAt < armed) return undefined;
      injectedAt = req.receivedAt;
      return { status: 429, headers: { "retry-after": "1" }, json: { error: "slow down" } };
    });
    const { start } = await startFleet("rate", 4);
    armed = start + 2000;
    const done = await Promise.all(workers.map((w) => w.next<{ type: string; counts: Record<string, number> }>("done")));
    for (const d of done) expect(d.type).toBe("done");
    expect(injectedAt).toBeDefined();
    const t = injectedAt as number;
    const during = sim.requests.filter((r) => r.receivedAt > t + 150 && r.receivedAt < t + 950);
    const after = sim.requests.filter((r) => r.receivedAt >= t + 1000);
    console.log(`pause: ${during.length} requests during the pause, ${after.length} after`, done.map((d) => d.counts));
    expect(sim.rejected).toBe(0); // only the injected 429, no limit rejections
    expect(during).toHaveLength(0);
    for (let i = 0; i < 4; i++) {
      expect(sim.requests.some((r) => r.headers["x-worker"] === String(i) && r.receivedAt < t)).toBe(true);
      expect(after.some((r) => r.headers["x-worker"] === String(i))).toBe(true);
    }
  });

  it("permits held by a process killed with SIGKILL come back when their lease ends", async () => {
    sim = await createApiSimulator();
    sim.route("GET", "/stall", { fault: "stall" });
    sim.route("GET", "/quick", {});
    await startFleet("hold-permits", 1);
    await workers[0]?.next("holding");
    while (sim.requests.length < 3) await sleep(10);
    const store = redisStore(redis, { prefix });
    const transport = undiciTransport();
    const limited = concurrency({ limit: 3, store, key: "held", lease: "1s", pollInterval: "20ms" });
    const pipeline = compose([limited], transport.send);
    const req: ApiRequest = { method: "GET", origin: sim.url, path: "/quick", route: "/quick", headers: {}, replayable: true, attempt: 1, context: {} };

    workers[0]?.child.kill("SIGKILL");
    const killedAt = Date.now();
    const pending = pipeline(req);
    await sleep(300);
    expect(limited.stats()[`held`]).toEqual({ active: 0, queued: 1 }); // the dead process's permits still count
    const res = await pending;
    const waited = Date.now() - killedAt;
    res.body?.resume();
    expect(res.status).toBe(200);
    expect(waited).toBeGreaterThan(300);
    expect(waited).toBeLessThan(3000); // lease 1 s (+ renewals before the kill) + polling
    await transport.close();
  });

  it("a breaker tripped by one process fails fast in another, which never touches the server", async () => {
    sim = await createApiSimulator();
    sim.route("GET", "/broken", { status: 503 });
    await startFleet("trip-breaker", 1);
    await workers[0]?.next("done");
    expect(sim.requests).toHaveLength(3);
    const store = redisStore(redis, { prefix });
    const transport = undiciTransport();
    const breaker = circuitBreaker({ failureRate: 0, consecutiveFailures: 3, halfOpenAfter: "30s", store });
    const pipeline = compose([breaker], transport.send);
    const err = await pipeline({ method: "GET", origin: sim.url, path: "/broken", route: "/broken", headers: {}, replayable: true, attempt: 1, context: {} }).catch(
      (e: unknown) => e,
    );
    expect(isCircuitOpenError(err)).toBe(true);
    expect(sim.requests).toHaveLength(3);
    expect(breaker.stats()[sim.url]?.state).toBe("open");
    await transport.close();
  });
});
