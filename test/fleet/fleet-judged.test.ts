/**
 * 16 separate Node processes share one rate limit, one concurrency limit and
 * one breaker through redisStore — on a single Redis and on a Redis Cluster —
 * judged by nginx (`limit_req`, `limit_conn`), a limiter no one here wrote.
 * Real time, real sockets: assertions are counts with stated margins. The
 * judges are first shown to refuse what goes over, so they can fail.
 *
 * How it measures (each point was a cause of lost utilisation or of false
 * refusals; h-fleet, 2026-12-02):
 * - the window opens RAMP_MS after the run message (fleet.ts): a process's
 *   start is not the limiter's throughput; workers warm their connections
 *   through the judge's unjudged /warmup, so the first requests of a run do
 *   not wait on 64 new connections and arrive bunched;
 * - a request counts at its arrival at nginx (the log time less
 *   `$request_time`), and nginx runs at real-time priority so that, with 16
 *   processes on 2 cores, it reads requests as they come instead of stamping a
 *   backlog with one time and seeing a burst that never was (nginx.ts);
 * - a run ends by sending no new request after `until`; what was sent runs to
 *   its end (worker.ts). Aborting in-flight requests at `until` gave their
 *   permits back while nginx and the API still held them, and processes whose
 *   `until` timer fired later took them: that, not nginx's accounting, was
 *   every limit_conn refusal seen (all in the last 60 ms of the run). A
 *   request sent as soon as another's answer came is not refused: nginx frees
 *   its count in the same turn it sends the answer (checked: 3000 requests in
 *   turn on two connections through `limit_conn 1`, none refused).
 * Asking the store as each slot came within reach made every process ask
 * about once per slot (3000–4400 calls/s, up to a core of CPU on a busy
 * machine: late timers, stale slots); backing off after refusals cut that but
 * starved some processes of slots. A refused queue now asks at a random
 * point before the slot it was told of, one rule for all: ~4 calls per request.
 * Figures per run are printed: stale slots, store calls, CPU, event-loop lag.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Redis } from "ioredis";
import { Agent, request } from "undici";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { describeNginx, type NginxJudge, startNginxJudge } from "../support/nginx.js";
import { describeRedisCluster, type LocalRedisCluster, startRedisCluster } from "../support/redis-cluster.js";
import { describeRedis, REDIS_URL, uniqueName } from "../support/services.js";
import { waitFor } from "../support/wait.js";
import { type FleetWorker, killAll, spawnWorker, type TimedRun, timedRateRun } from "./fleet.js";

const FLEET = 16;
const LIMIT = 200;
const RUN_MS = 10_000;
/**
 * nginx's leaky bucket refuses a request that comes sooner than 1/rate after
 * the previous one unless `burst` allows it: 10 (50 ms at 200/s) absorbs the
 * arrival jitter of 16 processes sharing 2 cores with the judge and the test.
 */
const JITTER_BURST = 10;
/** The limiter's arrivalMargin: 16 processes on 2 cores reach their slots late; within this they still use them. */
const ARRIVAL_MARGIN_MS = 20;

/** The API behind the judge: counts what reaches it, holds /slow for 50 ms, fails /broken, and can answer one 429 at a chosen time. */
function upstream() {
  let inFlight = 0;
  let maxInFlight = 0;
  let broken = 0;
  let injectAt = Number.POSITIVE_INFINITY;
  let injectedAt: number | undefined;
  const server = http.createServer((req, res) => {
    const path = req.url ?? "/";
    if (path === "/slow") {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      setTimeout(() => {
        inFlight--;
        res.end('{"ok":true}');
      }, 50);
      return;
    }
    if (path === "/broken") {
      broken++;
      res.writeHead(503).end();
      return;
    }
    if (path === "/work" && injectedAt === undefined && Date.now() >= injectAt) {
      injectedAt = Date.now();
      res.writeHead(429, { "retry-after": "1", "content-type": "application/json" }).end('{"error":"slow down"}');
      return;
    }
    res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
  });
  server.keepAliveTimeout = 60_000;
  return {
    server,
    get url() {
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    injectOnceAt(at: number) {
      injectAt = at;
    },
    get injectedAt() {
      return injectedAt;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    get broken() {
      return broken;
    },
    reset() {
      inFlight = 0;
      maxInFlight = 0;
      broken = 0;
      injectAt = Number.POSITIVE_INFINITY;
      injectedAt = undefined;
    },
  };
}

function fleetSuite(name: string, backend: () => Promise<{ env: Record<string, string>; cleanup: () => Promise<void> }>) {
  describeNginx(`16 processes through ${name}, judged by nginx`, () => {
    const api = upstream();
    let fleet: FleetWorker[] = [];
    let judge: NginxJudge | undefined;
    let cleanup: (() => Promise<void>) | undefined;

    beforeAll(async () => {
      await new Promise<void>((resolve) => api.server.listen(0, "127.0.0.1", resolve));
      const b = await backend();
      cleanup = b.cleanup;
      fleet = Array.from({ length: FLEET }, (_, i) => spawnWorker({ ...b.env, WORKER: String(i) }));
      await Promise.all(fleet.map((w) => w.next("ready")));
    }, 120_000);
    afterEach(async () => {
      await judge?.close();
      judge = undefined;
      api.reset();
    });
    afterAll(async () => {
      killAll(fleet);
      await cleanup?.();
      api.server.closeAllConnections();
      await new Promise((resolve) => api.server.close(resolve));
    });

    /** Waits until the judge logged every `path` request the workers got an answer to (nginx logs after answering). */
    async function judged(path: string, done: TimedRun["done"]) {
      const answered = done.reduce((n, d) => n + Object.entries(d.counts).reduce((m, [k, v]) => m + (/^\d{3}$/.test(k) ? v : 0), 0), 0);
      const log = () => (judge as NginxJudge).log().filter((r) => r.path === path);
      return waitFor(() => (log().length >= answered ? log() : undefined), { what: `${answered} ${path} lines in the judge's log` });
    }

    /** /work requests nginx logged as arriving in [from, to), split into those it refused and those it passed. */
    async function work(done: TimedRun["done"], from: number, to: number) {
      const logged = (await judged("/work", done)).filter((r) => r.at >= from && r.at < to);
      return { refused: logged.filter((r) => r.refused), passed: logged.filter((r) => !r.refused) };
    }

    it("holds 200 requests/s for 10 s: no request refused by limit_req, at least 95% of the limit used", async () => {
      judge = await startNginxJudge({ rate: LIMIT, burst: JITTER_BURST, upstream: api.url });
      const { start, until, done } = await timedRateRun(fleet, judge.url, uniqueName("steady"), RUN_MS, undefined, {
        limit: LIMIT,
        loops: 4,
        arrivalMargin: ARRIVAL_MARGIN_MS,
      });
      for (const d of done) expect(d.type).toBe("done");
      const { refused, passed } = await work(done, start, until);
      const utilisation = passed.length / ((LIMIT * RUN_MS) / 1000);
      const sum = (k: string) => done.reduce((n, d) => n + (d.counts[k] ?? 0), 0);
      const max = (k: string) => Math.max(...done.map((d) => d.counts[k] ?? 0));
      console.log(
        `${name}: ${passed.length} passed, ${refused.length} refused by nginx (arrived at ${JSON.stringify(refused.map((r) => Math.round(r.at - start)))} ms), utilisation ${(utilisation * 100).toFixed(1)}%; delayed ${sum("delayed")}, stale ${sum("stale")}, store calls ${sum("storeCalls")}, cpu ${sum("cpuMs")} ms, loop lag p50 ${JSON.stringify(done.map((d) => d.counts.lagP50))} p99 ${JSON.stringify(done.map((d) => d.counts.lagP99))} max ${max("lagMax")}`,
      );
      expect(refused).toHaveLength(0);
      expect(utilisation).toBeGreaterThanOrEqual(0.95);
      expect(utilisation).toBeLessThanOrEqual(1 + JITTER_BURST / LIMIT / (RUN_MS / 1000) + 0.01);
      for (let i = 0; i < FLEET; i++) expect(passed.some((r) => r.worker === String(i))).toBe(true);
    });

    it("a 429 + Retry-After seen by one process pauses all 16, then all resume", async () => {
      judge = await startNginxJudge({ rate: LIMIT, burst: JITTER_BURST, upstream: api.url });
      const { start, until, done } = await timedRateRun(fleet, judge.url, uniqueName("paused"), RUN_MS / 2, (s) => api.injectOnceAt(s + 2000), {
        limit: LIMIT,
        loops: 4,
        arrivalMargin: ARRIVAL_MARGIN_MS,
      });
      for (const d of done) expect(d.type).toBe("done");
      const t = api.injectedAt;
      expect(t).toBeDefined();
      const at = t as number;
      const { refused } = await work(done, start, until);
      const during = (await work(done, at + 150, at + 950)).passed;
      const after = (await work(done, at + 1000, until)).passed;
      console.log(
        `${name} pause: ${during.length} requests during the pause, ${after.length} after, ${refused.length} refused (arrived at ${JSON.stringify(refused.map((r) => Math.round(r.at - at)))} ms from the 429)`,
      );
      expect(refused).toHaveLength(0);
      expect(during).toHaveLength(0);
      for (let i = 0; i < FLEET; i++) expect(after.some((r) => r.worker === String(i))).toBe(true);
    });

    it("never has more than 10 requests in flight across the fleet (limit_conn 10 refuses none)", async () => {
      judge = await startNginxJudge({ connections: 10, upstream: api.url });
      const { done } = await timedRateRun(fleet, judge.url, uniqueName("leases"), 4000, undefined, {
        mode: "leases",
        limit: 10,
        loops: 2,
      });
      for (const d of done) expect(d.type).toBe("done");
      const slow = await judged("/slow", done);
      const refused = slow.filter((r) => r.refused);
      console.log(`${name} leases: ${slow.length} requests, ${refused.length} refused, at most ${api.maxInFlight} in flight at the API`);
      expect(slow.length).toBeGreaterThan(0);
      expect(refused).toHaveLength(0);
      expect(api.maxInFlight).toBeLessThanOrEqual(10);
      expect(api.maxInFlight).toBeGreaterThanOrEqual(8); // the limit is shared and used, not 10 per process
    });

    it("a breaker opened by one process fails fast in every other on their next call", async () => {
      judge = await startNginxJudge({ upstream: api.url });
      const [tripper, ...rest] = fleet as [FleetWorker, ...FleetWorker[]];
      tripper.run({ mode: "trip-breaker", target: judge.url });
      expect((await tripper.next<{ type: string }>("done")).type).toBe("done");
      expect(api.broken).toBe(3);
      for (const w of rest) w.run({ mode: "breaker-probe", target: judge.url });
      const answers = await Promise.all(rest.map((w) => w.next<{ type: string; counts: Record<string, number> }>("done")));
      expect(answers.map((a) => a.counts)).toEqual(rest.map(() => ({ open: 1 })));
      expect(api.broken).toBe(3);
    });
  });
}

describeNginx("the judges, without a limiter", () => {
  const api = upstream();
  beforeAll(() => new Promise<void>((resolve) => api.server.listen(0, "127.0.0.1", resolve)));
  afterAll(() => new Promise((resolve) => api.server.close(resolve)));

  /** `n` requests at once, each on its own connection; resolves with the statuses. */
  async function atOnce(url: string, n: number): Promise<number[]> {
    const agents = Array.from({ length: n }, () => new Agent({ connections: 1 }));
    try {
      return await Promise.all(
        agents.map(async (dispatcher) => {
          const res = await request(url, { dispatcher });
          await res.body.dump();
          return res.statusCode;
        }),
      );
    } finally {
      await Promise.all(agents.map((a) => a.close()));
    }
  }

  it("limit_conn 10 refuses the 11th and 12th of 12 requests held at once; limit_req refuses what goes past its burst", async () => {
    const conn = await startNginxJudge({ connections: 10, upstream: api.url });
    const rate = await startNginxJudge({ rate: LIMIT, burst: JITTER_BURST, upstream: api.url });
    try {
      const held = await atOnce(`${conn.url}/slow`, 12);
      expect(held.filter((s) => s === 503)).toHaveLength(2);
      expect(api.maxInFlight).toBe(10);
      const burst = await atOnce(`${rate.url}/work`, 3 * JITTER_BURST);
      expect(burst.filter((s) => s === 429).length).toBeGreaterThanOrEqual(JITTER_BURST);
    } finally {
      await conn.close();
      await rate.close();
    }
  });
});

describeRedis("single Redis", () => {
  fleetSuite("one Redis", async () => {
    const prefix = `${uniqueName("ballast_fleet16")}:`;
    return {
      env: { REDIS_URL, PREFIX: prefix },
      async cleanup() {
        const redis = new Redis(REDIS_URL);
        const keys = await redis.keys(`${prefix}*`);
        if (keys.length > 0) await redis.del(...keys);
        redis.disconnect();
      },
    };
  });
});

describeRedisCluster("Redis Cluster", () => {
  let local: LocalRedisCluster | undefined;
  fleetSuite("a Redis Cluster", async () => {
    local = await startRedisCluster();
    return {
      env: { REDIS_URL, REDIS_CLUSTER_NODES: JSON.stringify(local.nodes), PREFIX: `${uniqueName("ballast_fleet16")}:` },
      cleanup: async () => local?.close(),
    };
  });
});
