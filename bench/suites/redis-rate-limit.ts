/**
 * Issue 16: what keeping the rate limit in Redis costs an HTTP client. The
 * default pipeline with the full pipeline's two limits (set so nobody waits)
 * in memory and in Redis (`redisStore`), and raw undici.request, at 50 and
 * 200 requests in flight, small JSON GET and POST on loopback. All contenders
 * run in this one process pinned to CPU 0 (the server on CPU 1), warmed up,
 * then measured in alternating slices, as bench/http/compare.ts does; ratios
 * are paired per slice. Redis's EVALSHA calls and CPU are read from INFO
 * around each Redis slice (server-wide: other clients can only add).
 *
 * `npm run bench redis-rate` runs it alone. BENCH_REDIS_RATE_SLICES (8) and
 * BENCH_REDIS_RATE_SECONDS (1) set the run length; BENCH_QUICK=1: 2 × 0.5 s.
 */
import { spawnSync } from "node:child_process";
import { loadavg } from "node:os";
import { Redis } from "ioredis";
import { compileBallast } from "../http/compile-ballast.js";
import { BASELINE, type Calls, findContender } from "../http/contenders.js";
import { runLoad } from "../http/load.js";
import { detectPinning, startServer } from "../http/processes.js";
import { median } from "../http/report.js";

export const title = "HTTP client with the rate limit in Redis: GET and POST at concurrency 50 and 200";

const MEMORY = "ballast (memory rate limit)";
const REDIS = "ballast (redis rate limit)";
const NAMES = [MEMORY, REDIS, BASELINE];

interface Slice {
  rps: number;
  cpuUs: number;
  p50: number;
  p99: number;
  /** Redis only: EVALSHA calls and Redis CPU µs per request. */
  evalsha?: number;
  redisCpuUs?: number;
}

async function redisCounters(redis: Redis): Promise<{ evalsha: number; cpuUs: number }> {
  const stats = await redis.info("commandstats");
  const cpu = await redis.info("cpu");
  const calls = (cmd: string) => Number(new RegExp(`cmdstat_${cmd}:calls=(\\d+)`).exec(stats)?.[1] ?? 0);
  const seconds = (field: string) => Number(new RegExp(`${field}:([\\d.]+)`).exec(cpu)?.[1] ?? 0);
  return { evalsha: calls("evalsha") + calls("eval"), cpuUs: (seconds("used_cpu_user") + seconds("used_cpu_sys")) * 1e6 };
}

const fmt = (n: number, digits = 0) => n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

export async function run(): Promise<string> {
  const quick = process.env.BENCH_QUICK === "1";
  const slices = quick ? 2 : Number(process.env.BENCH_REDIS_RATE_SLICES ?? 8);
  const durationMs = (quick ? 0.5 : Number(process.env.BENCH_REDIS_RATE_SECONDS ?? 1)) * 1000;
  const loadBefore = loadavg();
  const ballastSrc = compileBallast();
  const pinning = detectPinning();
  // This process runs the clients: pinned to the client core for the suite, then given its cores back.
  const affinity = spawnSync("taskset", ["-p", String(process.pid)], { encoding: "utf8" }).stdout?.match(/: (\S+)\s*$/)?.[1];
  if (pinning.client.length > 0) spawnSync("taskset", ["-p", ...pinning.client, String(process.pid)], { stdio: "ignore" });
  const server = await startServer(pinning);
  const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
  const sections: string[] = [];
  try {
    const clients: Array<{ name: string; calls: Calls }> = [];
    for (const name of NAMES) clients.push({ name, calls: await findContender(name).open(server.baseUrl, ballastSrc) });
    for (const concurrency of [50, 200]) {
      for (const scenario of ["GET", "POST"] as const) {
        const call = (c: { calls: Calls }) => (scenario === "GET" ? c.calls.get : c.calls.post);
        for (const c of clients) await runLoad(call(c), concurrency, { durationMs: quick ? 500 : 2000, minRequests: quick ? 0 : 20_000, maxMs: 10_000 });
        const results = new Map<string, Slice[]>(NAMES.map((n) => [n, []]));
        for (let i = 0; i < slices; i++) {
          for (const c of i % 2 === 0 ? clients : [...clients].reverse()) {
            const before = c.name === REDIS ? await redisCounters(redis) : undefined;
            const r = await runLoad(call(c), concurrency, { durationMs });
            const slice: Slice = { rps: (r.requests / r.elapsedMs) * 1000, cpuUs: r.cpuUs / r.requests, p50: r.p50Ms, p99: r.p99Ms };
            if (before !== undefined) {
              const after = await redisCounters(redis);
              slice.evalsha = (after.evalsha - before.evalsha) / r.requests;
              slice.redisCpuUs = (after.cpuUs - before.cpuUs) / r.requests;
            }
            if (r.errors > 0) throw new Error(`${c.name}: ${r.errors} errors, first: ${r.firstError}`);
            (results.get(c.name) as Slice[]).push(slice);
          }
        }
        sections.push(render(scenario, concurrency, results));
      }
    }
    for (const c of clients) await c.calls.close();
  } finally {
    redis.disconnect();
    server.stop();
    if (affinity !== undefined) spawnSync("taskset", ["-p", affinity, String(process.pid)], { stdio: "ignore" });
  }
  const loadAfter = loadavg();
  return [
    `${slices} alternating slices of ${durationMs / 1000} s per contender and case, after ≥ 2 s of warm-up each; medians; "× memory" is the median of each slice's ratio to the memory row measured next to it.`,
    `Rate limit: the full pipeline's two limits (1,000,000/s and 1,000,000,000/h), set so nobody waits, on the default pipeline (bearer auth, retry, timeouts). ${pinning.note.replace("one fresh process per run", "all clients in one process")}`,
    `EVALSHA / req and Redis CPU µs / req: INFO commandstats and INFO cpu read around each Redis slice (server-wide: other clients can only add). Redis itself is not pinned.`,
    `Load average (1/5/15 min) before: ${loadBefore.map((n) => n.toFixed(2)).join(" / ")}; after: ${loadAfter.map((n) => n.toFixed(2)).join(" / ")}.`,
    ...sections,
  ].join("\n\n");
}

function render(scenario: string, concurrency: number, results: Map<string, Slice[]>): string {
  const memory = results.get(MEMORY) as Slice[];
  const rows = NAMES.map((name) => {
    const s = results.get(name) as Slice[];
    const m = (f: (x: Slice) => number) => median(s.map(f));
    const ratio = median(s.map((x, i) => x.rps / (memory[i] as Slice).rps));
    const added = (f: (x: Slice) => number) =>
      name === MEMORY ? "–" : `${m(f) - median(memory.map(f)) >= 0 ? "+" : ""}${fmt(m(f) - median(memory.map(f)), 2)}`;
    const redisCols =
      name === REDIS
        ? `${fmt(
            m((x) => x.evalsha ?? 0),
            3,
          )} | ${fmt(
            m((x) => x.redisCpuUs ?? 0),
            1,
          )}`
        : "– | –";
    return `| ${name} | ${fmt(m((x) => x.rps))} | ${ratio.toFixed(2)}× | ${fmt(
      m((x) => x.cpuUs),
      1,
    )} | ${fmt(
      m((x) => x.p50),
      2,
    )} | ${fmt(
      m((x) => x.p99),
      2,
    )} | ${added((x) => x.p50)} / ${added((x) => x.p99)} | ${redisCols} |`;
  });
  return [
    `### ${scenario}, concurrency ${concurrency}`,
    "",
    "| contender | req/s | × memory | client CPU µs/req | p50 ms | p99 ms | added p50 / p99 ms | EVALSHA / req | Redis CPU µs/req |",
    "|---|--:|--:|--:|--:|--:|--:|--:|--:|",
    ...rows,
  ].join("\n");
}
