import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { createClient } from "../../src/client/create-client.js";
import { isAbortError, isStoreError, isTimeoutError, type StoreError } from "../../src/errors.js";
import type { RateLimitRule } from "../../src/middleware/rate-limit/rate-limit.js";
import { redisStore } from "../../src/stores/redis.js";
import { useServer } from "../support/http-server.js";
import { freePort } from "../support/ports.js";
import { type FaultServer, type RedisProxy, redisProxy, stallingServer } from "../support/redis-faults.js";
import { describeRedis, REDIS_URL, uniqueName } from "../support/services.js";
import { waitFor } from "../support/wait.js";

let served = 0;
const api = useServer((_req, res) => {
  served++;
  res.setHeader("content-type", "application/json");
  res.end('{"ok":true}');
});

/** Runs `call`, returning its error and how long it took. */
async function timed(call: () => Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const t0 = performance.now();
  const error = await call().then(
    () => undefined,
    (e: unknown) => e,
  );
  return { error, ms: performance.now() - t0 };
}

const limits: RateLimitRule[] = [{ requests: 100, per: "1s" }];

/** The ways a store can be down, each with a fresh ioredis client on its default options. */
const outages: Array<{ name: string; open(): Promise<{ redis: Redis; close(): Promise<void> }> }> = [
  {
    name: "unreachable (nothing listens)",
    async open() {
      const redis = new Redis({ port: await freePort(), host: "127.0.0.1" });
      redis.on("error", () => {});
      return { redis, close: async () => redis.disconnect() };
    },
  },
  {
    name: "stalled (accepts, never answers)",
    async open() {
      const server: FaultServer = await stallingServer();
      const redis = new Redis({ port: server.port, host: "127.0.0.1" });
      redis.on("error", () => {});
      return {
        redis,
        close: async () => {
          redis.disconnect();
          await server.close();
        },
      };
    },
  },
];

describe.each(outages)("a store that is $name", ({ open }) => {
  let down: Awaited<ReturnType<(typeof outages)[number]["open"]>>;
  beforeAll(async () => {
    down = await open();
  });
  afterAll(() => down.close());

  it("rate limit fails closed by the call's total timeout with a StoreError; nothing is sent", async () => {
    const client = createClient({
      baseUrl: api.origin,
      store: redisStore(down.redis, { timeout: "10s" }),
      rateLimit: { limits },
      timeout: { total: 400 },
      retry: false,
    });
    onTestFinished(() => client.close());
    const before = served;
    const { error, ms } = await timed(() => client.get("/x"));
    expect(isStoreError(error)).toBe(true);
    expect((error as StoreError).code).toBe("BALLAST_STORE");
    expect((error as StoreError).timedOut).toBe(true);
    expect((error as StoreError).operation).toBe("acquireRate");
    expect((error as StoreError).message).toContain("GET http://127.0.0.1");
    expect(ms).toBeLessThan(400 + 4000); // generous for a loaded machine; unbounded it took ~10 s (ioredis gives up) or forever (stalled)
    expect(served).toBe(before);
  });

  it("rate limit stops waiting when the caller's signal aborts (AbortError)", async () => {
    const client = createClient({ baseUrl: api.origin, store: redisStore(down.redis, { timeout: "10s" }), rateLimit: { limits }, retry: false });
    onTestFinished(() => client.close());
    const signal = AbortSignal.timeout(200);
    const { error, ms } = await timed(() => client.get("/x", { signal }));
    expect(isAbortError(error)).toBe(true);
    expect(ms).toBeLessThan(200 + 4000); // generous for a loaded machine; unbounded it took ~10 s (ioredis gives up) or forever (stalled)
  });

  it("rate limit waits no longer than maxWait", async () => {
    const client = createClient({
      baseUrl: api.origin,
      store: redisStore(down.redis, { timeout: "10s" }),
      rateLimit: { limits, maxWait: "200ms" },
      retry: false,
    });
    onTestFinished(() => client.close());
    const { error, ms } = await timed(() => client.get("/x"));
    expect(isStoreError(error) && error.timedOut).toBe(true);
    expect(ms).toBeLessThan(200 + 4000); // generous for a loaded machine; unbounded it took ~10 s (ioredis gives up) or forever (stalled)
  });

  it("the store's own timeout bounds a call that has no deadline at all", async () => {
    const client = createClient({ baseUrl: api.origin, store: redisStore(down.redis, { timeout: "300ms" }), rateLimit: { limits }, retry: false });
    onTestFinished(() => client.close());
    const { error, ms } = await timed(() => client.get("/x"));
    expect(isStoreError(error) && error.timedOut).toBe(true);
    expect(error).toMatchObject({ message: expect.stringContaining("did not answer within 300 ms") });
    expect(ms).toBeLessThan(300 + 4000); // generous for a loaded machine; unbounded it took ~10 s (ioredis gives up) or forever (stalled)
  });

  it("concurrency fails closed with a StoreError; nothing is sent", async () => {
    const client = createClient({ baseUrl: api.origin, store: redisStore(down.redis, { timeout: "300ms" }), concurrency: 4, retry: false });
    onTestFinished(() => client.close());
    const before = served;
    const { error } = await timed(() => client.get("/x"));
    expect(isStoreError(error)).toBe(true);
    expect((error as StoreError).operation).toBe("acquirePermit");
    expect(served).toBe(before);
  });

  it("concurrency waits on the store no longer than the call's time limit, whatever the store's own timeout; nothing is sent", async () => {
    const client = createClient({
      baseUrl: api.origin,
      store: redisStore(down.redis, { timeout: "60s" }),
      concurrency: 4,
      timeout: { total: 400 },
      retry: false,
    });
    onTestFinished(() => client.close());
    const before = served;
    const { error, ms } = await timed(() => client.get("/x"));
    expect(isTimeoutError(error) && error.sent === false, String(error)).toBe(true);
    expect(ms).toBeLessThan(400 + 4000); // generous for a loaded machine; unbounded it waits for the store's 60 s
    expect(served).toBe(before);
  });

  it("the circuit breaker fails open: the call goes through within its deadline", async () => {
    const client = createClient({
      baseUrl: api.origin,
      store: redisStore(down.redis, { timeout: "200ms" }),
      circuitBreaker: { consecutiveFailures: 1 },
      timeout: { total: 5000 },
      retry: false,
    });
    onTestFinished(() => client.close());
    expect(await client.get("/x")).toEqual({ ok: true });
    expect(await client.get("/y")).toEqual({ ok: true });
  });

  it("the cache fails open: a miss, the call goes through", async () => {
    const client = createClient({
      baseUrl: api.origin,
      cache: { store: redisStore(down.redis, { timeout: "200ms" }) },
      timeout: { total: 5000 },
      retry: false,
    });
    onTestFinished(() => client.close());
    expect(await client.get("/x")).toEqual({ ok: true });
    expect((client.stats().policies.cache as { storeErrors: number }).storeErrors).toBeGreaterThan(0);
  });
});

describeRedis("a Redis that stalls and comes back", () => {
  let proxy: RedisProxy;
  let redis: Redis;
  let direct: Redis;
  const prefix = `${uniqueName("stall")}:`;
  beforeAll(async () => {
    proxy = await redisProxy();
    redis = new Redis({ port: proxy.port, host: "127.0.0.1" });
    direct = new Redis(REDIS_URL);
    await redis.ping();
  });
  afterAll(async () => {
    proxy.release();
    const keys = await direct.keys(`${prefix}*`);
    if (keys.length > 0) await direct.del(...keys);
    redis.disconnect();
    direct.disconnect();
    await proxy.close();
  });

  /** Replies come in order on one connection: once a round trip sent after release returns, the held commands have run. */
  async function afterHeldCommands(): Promise<void> {
    await redis.ping();
  }

  it("a permit granted after the caller gave up is given back, not held for its lease", async () => {
    const store = redisStore(redis, { prefix, timeout: "150ms" });
    proxy.hold();
    const error = await store.acquirePermit("late", 1, 60_000).catch((e: unknown) => e);
    expect(isStoreError(error) && error.timedOut).toBe(true);
    proxy.release();
    // The held command reaches Redis now and takes the permit; the store gives it back on the same connection.
    await afterHeldCommands();
    // The late grant (a 60 s lease, limit 1) may land after the held commands are read: the next taker gets
    // the permit within 5 s only because the late one is given back, not by waiting out its lease.
    const next = redisStore(redis, { prefix, timeout: "10s" });
    await expect.poll(async () => (await next.acquirePermit("late", 1, 60_000)) !== undefined, { timeout: 5000 }).toBe(true);
  });

  it("a lock granted after the caller gave up is released, so the next taker gets it", async () => {
    const store = redisStore(redis, { prefix, timeout: "150ms" });
    proxy.hold();
    const error = await store.acquireLock("late-lock", 60_000).catch((e: unknown) => e);
    expect(isStoreError(error)).toBe(true);
    proxy.release();
    await afterHeldCommands();
    // The late grant (a 60 s lock) may land after the held commands are read: the next taker gets the lock
    // within 5 s only because the late one is released, not by waiting out its TTL.
    const next = redisStore(redis, { prefix, timeout: "10s" });
    await expect.poll(async () => (await next.acquireLock("late-lock", 60_000)) !== undefined, { timeout: 5000 }).toBe(true);
  });

  it("queued requests wait on a stalled Redis no longer than their deadline, whatever the store's own timeout (StoreError, nothing sent)", async () => {
    const key = "queued";
    const client = createClient({
      baseUrl: api.origin,
      store: redisStore(redis, { prefix, timeout: "60s" }),
      rateLimit: { limits: [{ requests: 5, per: "1s" }], key },
      timeout: { total: 800 },
      retry: false,
    });
    onTestFinished(() => client.close());
    const queued = () => (client.stats().policies.rateLimit as { keys: Record<string, { queued: number }> }).keys[key]?.queued ?? 0;
    await client.get("/first");
    const before = served;
    // Slots 200, 400 and 600 ms away: all three fit their 800 ms and wait in the queue, which asks Redis for each in turn.
    const calls = [1, 2, 3].map((i) => timed(() => client.get(`/queued-${i}`)));
    await waitFor(() => queued() === 3, { what: "three requests queued" });
    proxy.hold();
    const outcomes = await Promise.all(calls);
    proxy.release();
    for (const { error, ms } of outcomes) {
      expect(isStoreError(error) && error.timedOut, String(error)).toBe(true);
      expect((error as StoreError).operation).toBe("acquireRate");
      expect((error as StoreError).message).toContain("/queued-");
      // Unbounded, they would wait for the store's 60 s timeout.
      expect(ms).toBeLessThan(800 + 4000);
    }
    expect(served).toBe(before);
  });

  it("once Redis answers again the rate limiter works again", async () => {
    const client = createClient({ baseUrl: api.origin, store: redisStore(redis, { prefix, timeout: "150ms" }), rateLimit: { limits }, retry: false });
    onTestFinished(() => client.close());
    proxy.hold();
    await expect(client.get("/x")).rejects.toSatisfy(isStoreError);
    proxy.release();
    await expect
      .poll(
        () =>
          client.get("/x").then(
            () => true,
            () => false,
          ),
        { timeout: 5000 },
      )
      .toBe(true);
  });
});
