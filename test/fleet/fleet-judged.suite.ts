/**
 * 16 separate Node processes share one rate limit, one concurrency limit and
 * one breaker through redisStore — on a single Redis and on a Redis Cluster —
 * judged by nginx (`limit_req`, `limit_conn`), a limiter no one here wrote.
 * Real time, real sockets: assertions are counts with stated margins.
 *
 * NOT YET IN THE SUITE (the name does not match test/**\/*.test.ts). What
 * was found (h-scale, 2026-12-02, machine load 13-30 from other work on 2
 * cores): the fleet's limiter reserves ~100 % of the slots (passed + stale ≈
 * 2000 in 10 s), but each process reaches about half of its reserved slots
 * more than one interval (5 ms at 200/s) late — event-loop lag p50 ~1 ms,
 * p99 50-80 ms — and drops them as stale, so utilisation was 46-51 %. With
 * `arrivalMargin: 20ms` (a late slot is used up to the margin) stale fell to
 * ~440 and utilisation rose to 74 %; nginx itself, starved too, then refused
 * 10-20 requests that arrived bunched. At load ~10 (11:33 UTC): 88.8 %, 1
 * refused, 190 stale. The fleet itself used ~0.9 core (16 processes, ~1000
 * store calls/s, the event-loop monitor). Whole file at load 17-23 (2.5 min):
 * 82-84 %, 3-18 refused; pause 0 during, all resume; breaker passes; leases
 * never more than 10 at the API, yet limit_conn refused 6-7. Not explained
 * yet: nginx counts a request from its headers to its end, a wider span than
 * the API's, so a permit handed on as the answer reaches its client may meet
 * an nginx that has not finished the request (likelier while nginx itself is
 * starved) — check nginx's error log for the refusals' timing before
 * changing the judge. The store is not the bottleneck
 * (~700 acquire calls/s for the fleet). In CI vitest runs one file at a time
 * on 2 cores (maxWorkers = cores - 1), so this file would run without the
 * load seen here: run it alone on a quiet machine (`cp` it to a .test.ts
 * name, `npx vitest run test/fleet/fleet-judged.test.ts`) 3 times, and keep
 * it in the suite if it passes; it prints stale slots, store calls, CPU and
 * event-loop lag per run.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { describeNginx, type NginxJudge, startNginxJudge } from "../support/nginx.js";
import { describeRedisCluster, type LocalRedisCluster, startRedisCluster } from "../support/redis-cluster.js";
import { describeRedis, REDIS_URL, uniqueName } from "../support/services.js";
import { type FleetWorker, killAll, spawnWorker, timedRateRun } from "./fleet.js";

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

    /** /work requests nginx logged in [from, to), split into those it refused and those it passed. */
    function work(from: number, to: number) {
      const logged = (judge as NginxJudge).log().filter((r) => r.path === "/work" && r.at >= from && r.at < to);
      return { refused: logged.filter((r) => r.refused), passed: logged.filter((r) => !r.refused) };
    }

    it("holds 200 requests/s for 10 s: no request refused by limit_req, at least 95% of the limit used", async () => {
      judge = await startNginxJudge({ rate: LIMIT, burst: JITTER_BURST, upstream: api.url });
      const { start, until, done } = await timedRateRun(fleet, judge.url, uniqueName("steady"), RUN_MS, undefined, {
        limit: LIMIT,
        loops: 4,
        arrivalMargin: ARRIVAL_MARGIN_MS,
        warmTarget: api.url,
      });
      for (const d of done) expect(d.type).toBe("done");
      const { refused, passed } = work(start, until);
      const utilisation = passed.length / ((LIMIT * RUN_MS) / 1000);
      const sum = (k: string) => done.reduce((n, d) => n + (d.counts[k] ?? 0), 0);
      const max = (k: string) => Math.max(...done.map((d) => d.counts[k] ?? 0));
      console.log(
        `${name}: ${passed.length} passed, ${refused.length} refused by nginx, utilisation ${(utilisation * 100).toFixed(1)}%; delayed ${sum("delayed")}, stale ${sum("stale")}, store calls ${sum("storeCalls")}, cpu ${sum("cpuMs")} ms, loop lag p50 ${JSON.stringify(done.map((d) => d.counts.lagP50))} p99 ${JSON.stringify(done.map((d) => d.counts.lagP99))} max ${max("lagMax")}`,
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
        warmTarget: api.url,
      });
      for (const d of done) expect(d.type).toBe("done");
      const t = api.injectedAt;
      expect(t).toBeDefined();
      const at = t as number;
      const { refused } = work(start, until);
      const during = work(at + 150, at + 950).passed;
      const after = work(at + 1000, until).passed;
      console.log(`${name} pause: ${during.length} requests during the pause, ${after.length} after, ${refused.length} refused`);
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
        warmTarget: api.url,
      });
      for (const d of done) expect(d.type).toBe("done");
      const slow = (judge as NginxJudge).log().filter((r) => r.path === "/slow");
      const refused = slow.filter((r) => r.refused);
      console.log(`${name} leases: ${slow.length} requests, ${refused.length} refused, at most ${api.maxInFlight} in flight at the API`);
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
