import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import pg from "pg";
import { afterAll, describe, expect, it, onTestFinished } from "vitest";
import { createClient } from "../../src/client/create-client.js";
import { checkHealth, healthCheck, healthRoute } from "../../src/health/index.js";
import { circuitBreaker } from "../../src/middleware/circuit-breaker/circuit-breaker.js";
import { memoryStore } from "../../src/stores/memory.js";
import { redisStore } from "../../src/stores/redis.js";
import { createWebhookWorker, memoryInbox, postgresInbox, sqliteInbox, type WebhookInbox } from "../../src/webhooks/index.js";
import { usePostgresSchema } from "../support/databases.js";
import { startServer } from "../support/http-server.js";
import { freePort } from "../support/ports.js";
import { describePostgres, describeRedis, REDIS_URL, uniqueName } from "../support/services.js";
import { useSimulator } from "../support/simulator.js";

const env = useSimulator();
const dir = mkdtempSync(join(tmpdir(), "ballast-health-"));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/**
 * Puts an inbox in a known state: one done, one failing (retry scheduled),
 * one dead, one pending received ten minutes ago.
 */
async function fill(inbox: WebhookInbox, now: number): Promise<void> {
  const put = (id: string, receivedAt = now) =>
    inbox.put({ id, scheme: "stripe", type: "invoice.paid", orderingKey: undefined, payload: Buffer.from("{}"), headers: {}, receivedAt });
  const claimOne = async () => {
    const [e] = await inbox.claim({ limit: 1, leaseMs: 60_000, now, lease: `lease-${Math.random()}` });
    if (e === undefined) throw new Error("nothing claimed");
    return e;
  };
  await put("evt_done");
  const done = await claimOne();
  await inbox.complete(done.id, done.lease as string, now);
  await put("evt_failing");
  const failing = await claimOne();
  await inbox.retry(failing.id, failing.lease as string, now + 3_600_000, "Error: boom");
  await put("evt_dead");
  const dead = await claimOne();
  await inbox.deadLetter(dead.id, dead.lease as string, "Error: poison");
  await put("evt_old", now - 600_000);
}

const FILLED = { pending: 2, processing: 0, done: 1, dead: 1, failing: 1 };

function expectFilledReport(report: Awaited<ReturnType<typeof checkHealth>>, now: number) {
  expect(report.status).toBe("degraded");
  expect(report.checks.inbox?.details).toMatchObject({ ...FILLED, oldestPendingAt: now - 600_000 });
  expect(report.reasons).toEqual([
    expect.stringMatching(/^inbox: oldest unfinished event is 6\d\d s old \(more than 300 s\)$/),
    "inbox: 1 event failing (retrying)",
    "inbox: 1 dead letter",
  ]);
}

describe("checkHealth: clients", () => {
  it("is healthy when the client's health endpoint answers 2xx, with latency and the endpoint's status", async () => {
    const route = env.sim.route("GET", "/health", { json: { ok: true } });
    const client = createClient({ baseUrl: env.sim.url, health: { path: "/health" }, headers: { authorization: "Bearer T" } });
    onTestFinished(() => client.close());
    const report = await checkHealth({ api: client });
    expect(report).toMatchObject({
      status: "healthy",
      reasons: [],
      checks: { api: { status: "healthy", details: { endpoint: { path: "/health", status: 200 } } } },
    });
    expect(report.checks.api?.latencyMs).toBeGreaterThanOrEqual(0);
    // The probe goes through the pipeline: auth included.
    expect(route.requests[0]?.headers.authorization).toBe("Bearer T");
  });

  it("is down when the endpoint answers an error, and degraded when a breaker is open", async () => {
    env.sim.route("GET", "/status", { status: 503 });
    const failing = createClient({ baseUrl: env.sim.url, health: { path: "/status" }, retry: false });
    expect(await checkHealth({ api: failing })).toMatchObject({ status: "down", reasons: ["api: GET /status answered 503"] });
    await failing.close();

    env.sim.route("GET", "/flaky", { status: 500 });
    const tripped = createClient({ baseUrl: env.sim.url, retry: false, circuitBreaker: { consecutiveFailures: 1, halfOpenAfter: "1h" } });
    onTestFinished(() => tripped.close());
    await tripped.get("/flaky").catch(() => {});
    const report = await checkHealth({ api: tripped });
    expect(report).toMatchObject({ status: "degraded", reasons: [`api: circuit open for ${env.sim.url}`] });
    expect(report.checks.api?.details).toEqual({ breakers: { [env.sim.url]: "open" } });
  });

  it("reports a standalone circuitBreaker()'s state", async () => {
    const breaker = circuitBreaker({ consecutiveFailures: 1, halfOpenAfter: "1h" });
    env.sim.route("GET", "/boom", { status: 502 });
    const client = createClient({ baseUrl: env.sim.url, retry: false, use: [breaker] });
    onTestFinished(() => client.close());
    expect((await checkHealth({ breaker })).status).toBe("healthy");
    await client.get("/boom").catch(() => {});
    expect(await checkHealth({ breaker })).toMatchObject({ status: "degraded", checks: { breaker: { details: { breakers: { [env.sim.url]: "open" } } } } });
  });

  it("cuts a health endpoint that never answers at the timeout", async () => {
    const hanging = await startServer(); // accepts, never answers
    onTestFinished(() => hanging.close());
    const client = createClient({ baseUrl: hanging.origin, health: { path: "/health" }, retry: false });
    onTestFinished(() => client.close());
    const started = Date.now();
    const report = await checkHealth({ api: client }, { timeout: 200 });
    expect(report).toMatchObject({ status: "down", reasons: ["api: timed out after 200 ms"] });
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe("checkHealth: custom checks, timeouts, overall status", () => {
  it("cuts a probe that hangs at the timeout, aborting its signal, while the others report", async () => {
    let aborted: unknown;
    const report = await checkHealth(
      {
        hangs: (signal) =>
          new Promise(() => {
            signal.addEventListener("abort", () => {
              aborted = signal.reason;
            });
          }),
        fine: () => true,
      },
      { timeout: "100ms" },
    );
    expect(report.status).toBe("down");
    expect(report.checks.hangs).toMatchObject({ status: "down", reasons: ["timed out after 100 ms"] });
    expect(report.checks.fine).toMatchObject({ status: "healthy" });
    expect(String(aborted)).toContain("timed out after 100 ms");
  });

  it("takes the worst status, except that an optional check that is down only degrades", async () => {
    const report = await checkHealth({ cache: () => false, core: () => ({ status: "healthy" as const }) }, { optional: ["cache"] });
    expect(report).toMatchObject({ status: "degraded", reasons: ["cache: check failed"], checks: { cache: { status: "down" } } });
    expect(new Date(report.checkedAt).getTime()).toBeGreaterThan(0);
  });

  it("refuses what it cannot check, and bad options, naming them", () => {
    expect(() => healthCheck({ nope: 42 as never })).toThrow(expect.objectContaining({ option: "targets.nope" }));
    expect(() => healthCheck({ a: () => true }, { timeout: 0 })).toThrow(expect.objectContaining({ option: "timeout" }));
    expect(() => healthCheck({ a: () => true }, { optional: ["b"] })).toThrow(expect.objectContaining({ option: "optional" }));
    expect(() => healthCheck({ a: () => true }, { inbox: { maxPendingAge: "soon" as never } })).toThrow(
      expect.objectContaining({ option: "inbox.maxPendingAge" }),
    );
    expect(() => healthCheck({ a: () => true }, { inbox: { maxPending: -1 } })).toThrow(expect.objectContaining({ option: "inbox.maxPending" }));
  });

  it("reports a memory store and a stopped worker", async () => {
    const inbox = memoryInbox();
    const worker = createWebhookWorker({ inbox });
    expect(await checkHealth({ store: memoryStore(), worker })).toMatchObject({
      status: "degraded",
      reasons: ["worker: worker is not running"],
      checks: { store: { status: "healthy" } },
    });
  });
});

describe("checkHealth: inboxes", () => {
  it("reads a memory inbox's counts, oldest pending age, failing and dead", async () => {
    const now = Date.now();
    const inbox = memoryInbox();
    await fill(inbox, now);
    expectFilledReport(await checkHealth({ inbox }), now);
  });

  it("reads a SQLite inbox the same way", async () => {
    const now = Date.now();
    const inbox = sqliteInbox(join(dir, "health.db"));
    try {
      expect(await checkHealth({ inbox })).toMatchObject({ status: "healthy", checks: { inbox: { details: { pending: 0, dead: 0, kind: "sqlite" } } } });
      await fill(inbox, now);
      expectFilledReport(await checkHealth({ inbox }), now);
      // Thresholds: a pending limit, dead letters tolerated.
      const tolerant = await checkHealth({ inbox }, { inbox: { maxPending: 1, maxPendingAge: "1h", deadIsDegraded: false } });
      expect(tolerant.reasons).toEqual(["inbox: 2 events waiting (more than 1)", "inbox: 1 event failing (retrying)"]);
    } finally {
      await inbox.close();
    }
  });
});

describeRedis("checkHealth: Redis", () => {
  it("times a PING through redisStore and a raw ioredis client", async () => {
    const redis = new Redis(REDIS_URL);
    try {
      const report = await checkHealth({ store: redisStore(redis, { prefix: `${uniqueName("health")}:` }), redis });
      expect(report).toMatchObject({ status: "healthy", checks: { store: { status: "healthy" }, redis: { status: "healthy" } } });
      expect(report.checks.store?.latencyMs).toBeGreaterThanOrEqual(0);
    } finally {
      redis.disconnect();
    }
  });

  it("is down when Redis does not answer (a closed port), within the timeout", async () => {
    const redis = new Redis({ host: "127.0.0.1", port: await freePort(), lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    redis.on("error", () => {});
    try {
      const report = await checkHealth({ store: redisStore(redis, { timeout: "500ms" }) }, { timeout: "1s" });
      expect(report.status).toBe("down");
      expect(report.reasons[0]).toMatch(/^store: /);
      expect(report.checks.store?.latencyMs).toBeLessThan(5_000);
    } finally {
      redis.disconnect();
    }
  });
});

describePostgres("checkHealth: PostgreSQL", () => {
  const { pool, schema } = usePostgresSchema("health");

  it("reads a PostgreSQL inbox's counts and checks the pool", async () => {
    const inbox = postgresInbox(pool, { schema });
    onTestFinished(() => inbox.close());
    const now = Date.now();
    await fill(inbox, now);
    const report = await checkHealth({ inbox, db: pool });
    expect(report.checks.db).toMatchObject({ status: "healthy" });
    expectFilledReport(report, now);
  });

  it("is down when PostgreSQL does not answer", async () => {
    const down = new pg.Pool({ host: "127.0.0.1", port: await freePort(), user: "postgres", database: "test", connectionTimeoutMillis: 2000 });
    try {
      const report = await checkHealth({ db: down }, { timeout: "3s" });
      expect(report.status).toBe("down");
      expect(report.reasons[0]).toMatch(/^db: .*ECONNREFUSED/);
    } finally {
      await down.end();
    }
  });
});

describe("healthRoute", () => {
  it("answers the report as JSON over node:http and fetch: 200 when healthy or degraded, 503 when down", async () => {
    let state: "healthy" | "degraded" | "down" = "healthy";
    const route = healthRoute(healthCheck({ app: () => ({ status: state, reasons: state === "healthy" ? [] : [`is ${state}`] }) }));
    const server = await startServer((req, res) => void route.node(req, res));
    const url = `${server.origin}/ready`;
    try {
      for (const s of ["healthy", "degraded", "down"] as const) {
        state = s;
        const res = await fetch(url);
        expect(res.status).toBe(s === "down" ? 503 : 200);
        expect(res.headers.get("cache-control")).toBe("no-store");
        expect(await res.json()).toMatchObject({ status: s });
        const viaFetch = await route.fetch(new Request(url));
        expect(viaFetch.status).toBe(res.status);
        expect(((await viaFetch.json()) as { status: string }).status).toBe(s);
      }
    } finally {
      await server.close();
    }
  });
});
