/**
 * Separate Node processes sharing one redisStore against one simulated API.
 * Real time, real sockets, real Redis: assertions are counts with margins.
 */
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, expect, it, onTestFinished } from "vitest";
import { compose } from "../../src/compose.js";
import { isCircuitOpenError } from "../../src/errors.js";
import { circuitBreaker } from "../../src/middleware/circuit-breaker/circuit-breaker.js";
import { concurrency } from "../../src/middleware/concurrency/concurrency.js";
import { redisStore } from "../../src/stores/redis.js";
import { type ApiSimulator, createApiSimulator } from "../../src/testing/index.js";
import { undiciTransport } from "../../src/transport/undici.js";
import { apiRequest } from "../support/request.js";
import { describeRedis, REDIS_URL, uniqueName } from "../support/services.js";
import { waitFor } from "../support/wait.js";
import { type FleetWorker, killAll, spawnWorker, timedRateRun } from "./fleet.js";

const RUN_MS = 5000;
const LIMIT = 50;

describeRedis("fleet: 4 processes share one quota through redisStore", () => {
  let sim: ApiSimulator | undefined;
  let redis: Redis;
  let fleet: FleetWorker[] = [];
  let others: FleetWorker[] = [];
  const prefix = `${uniqueName("ballast_fleet")}:`;
  const spawn = (i: number) => spawnWorker({ REDIS_URL, PREFIX: prefix, WORKER: String(i) });

  beforeAll(async () => {
    redis = new Redis(REDIS_URL);
    // The rate workers are spawned once and reused by both timed runs.
    fleet = Array.from({ length: 4 }, (_, i) => spawn(i));
    await Promise.all(fleet.map((w) => w.next("ready")));
    // An untimed second at the real limit: compiles the waiting paths and lets start-up CPU load settle.
    const warm = await createApiSimulator({ log: false });
    warm.route("GET", "/work", {});
    warm.route("GET", "/warmup", {});
    await timedRateRun(fleet, warm.url, "warm-run", 1000);
    await warm.close();
  });
  afterEach(async () => {
    killAll(others);
    others = [];
    await sim?.close();
    sim = undefined;
  });
  afterAll(async () => {
    killAll(fleet);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  /** A server that rejects anything above 50 requests to /work in any 1 s window, allowing 3 more (6 %) for arrival jitter: the simulator shares the CPU with 4 clients and the test runner, and a starved server stamps queued requests back to back. */
  async function limitedApi(): Promise<ApiSimulator> {
    const s = await createApiSimulator();
    s.route("GET", "/work", { json: { ok: true } });
    s.route("GET", "/warmup", {});
    s.rateLimit({ requests: LIMIT + 3, per: 1000, headers: "none", route: "/work" });
    sim = s;
    return s;
  }

  it("holds 50 requests/s for 5 s: zero 429s and at least 95% of the allowed throughput", async () => {
    const api = await limitedApi();
    const { start, until, done } = await timedRateRun(fleet, api.url, "steady", RUN_MS);
    for (const d of done) expect(d.type).toBe("done");
    const work = api.requests.filter((r) => r.path === "/work");
    const inWindow = work.filter((r) => r.receivedAt >= start && r.receivedAt < until).length;
    const utilisation = inWindow / ((LIMIT * RUN_MS) / 1000);
    console.log(
      `fleet: ${work.length} requests, ${api.rejected} rejected, utilisation ${(utilisation * 100).toFixed(1)}%`,
      done.map((d) => d.counts),
    );
    expect(api.rejected).toBe(0);
    expect(utilisation).toBeGreaterThanOrEqual(0.95);
    expect(utilisation).toBeLessThanOrEqual(1.02);
    // every process got a share
    for (let i = 0; i < 4; i++) expect(work.filter((r) => r.headers["x-worker"] === String(i)).length).toBeGreaterThan(20);
  });

  it("a 429 + Retry-After seen by one process pauses all four", async () => {
    const api = await limitedApi();
    let injectedAt: number | undefined;
    let armed = 0;
    api.use((req) => {
      if (injectedAt !== undefined || armed === 0 || req.receivedAt < armed || req.path !== "/work") return undefined;
      injectedAt = req.receivedAt;
      return { status: 429, headers: { "retry-after": "1" }, json: { error: "slow down" } };
    });
    const { done } = await timedRateRun(fleet, api.url, "paused", RUN_MS, (start) => {
      armed = start + 2000;
    });
    for (const d of done) expect(d.type).toBe("done");
    expect(injectedAt).toBeDefined();
    const t = injectedAt as number;
    const work = api.requests.filter((r) => r.path === "/work");
    const during = work.filter((r) => r.receivedAt > t + 150 && r.receivedAt < t + 950);
    const after = work.filter((r) => r.receivedAt >= t + 1000);
    console.log(
      `pause: ${during.length} requests during the pause, ${after.length} after`,
      done.map((d) => d.counts),
    );
    expect(api.rejected).toBe(0); // only the injected 429, no limit rejections
    expect(during).toHaveLength(0);
    for (let i = 0; i < 4; i++) {
      expect(work.some((r) => r.headers["x-worker"] === String(i) && r.receivedAt < t)).toBe(true);
      expect(after.some((r) => r.headers["x-worker"] === String(i))).toBe(true);
    }
  });

  it("permits held by a process killed with SIGKILL come back when their lease ends", async () => {
    const api = await createApiSimulator();
    sim = api;
    api.route("GET", "/stall", { fault: "stall" });
    api.route("GET", "/quick", {});
    const holder = spawn(9);
    others = [holder];
    await holder.next("ready");
    holder.run({ mode: "hold-permits", target: api.url });
    await holder.next("holding");
    await waitFor(() => api.requests.length === 3, { what: "the holder's three stalled requests" });
    const store = redisStore(redis, { prefix });
    const transport = undiciTransport();
    const limited = concurrency({ limit: 3, store, key: "held", lease: "1s", pollInterval: "20ms" });
    const pipeline = compose([limited], transport.send);
    onTestFinished(() => transport.close());
    const req = apiRequest(`${api.url}/quick`);

    holder.child.kill("SIGKILL");
    const killedAt = Date.now();
    const pending = pipeline(req);
    // the dead process's permits still count: the request queues
    await waitFor(() => limited.stats().held?.queued === 1, { what: "the request to queue behind the dead process's permits" });
    expect(limited.stats().held).toEqual({ active: 0, queued: 1 });
    const res = await pending;
    const waited = Date.now() - killedAt;
    res.body?.resume();
    expect(res.status).toBe(200);
    expect(waited).toBeLessThan(3000); // lease 1 s (+ renewals before the kill) + polling
  });

  it("a breaker tripped by one process fails fast in another, which never touches the server", async () => {
    const api = await createApiSimulator();
    sim = api;
    api.route("GET", "/broken", { status: 503 });
    const tripper = spawn(8);
    others = [tripper];
    await tripper.next("ready");
    tripper.run({ mode: "trip-breaker", target: api.url });
    expect((await tripper.next<{ type: string }>("done")).type).toBe("done");
    expect(api.requests).toHaveLength(3);
    const store = redisStore(redis, { prefix });
    const transport = undiciTransport();
    const breaker = circuitBreaker({ failureRate: 0, consecutiveFailures: 3, halfOpenAfter: "30s", store });
    const pipeline = compose([breaker], transport.send);
    onTestFinished(() => transport.close());
    const req = apiRequest(`${api.url}/broken`);
    const err = await pipeline(req).catch((e: unknown) => e);
    expect(isCircuitOpenError(err)).toBe(true);
    expect(api.requests).toHaveLength(3);
    expect(breaker.stats()[api.url]?.state).toBe("open");
  });
});
