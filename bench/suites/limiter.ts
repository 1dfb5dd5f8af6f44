/**
 * Issue 3: rate-limiter acquire cost, in memory and over Redis, against
 * bottleneck and rate-limiter-flexible (and p-throttle in memory), plus the
 * fleet accuracy test (4 processes sharing one Redis quota against a server
 * that rejects anything over the limit).
 *
 * Every limiter gets a limit so high it never makes anyone wait: this measures
 * what an acquire costs, not the limit. Rounds interleave the contenders; the
 * tables show medians. In memory, latency comes from a separate timed pass
 * (timing each call would slow the throughput pass). Redis contenders use
 * database 9 so MONITOR can count their round trips (top-level commands);
 * INFO commandstats counts every command Redis ran, the scripts' own
 * included, server-wide: it is read right around each contender's counted
 * acquires, several times, keeping the smallest count.
 */
import { createHash } from "node:crypto";
import { performance } from "node:perf_hooks";
import Bottleneck from "bottleneck";
import { Redis } from "ioredis";
import pThrottle from "p-throttle";
import { RateLimiterMemory, RateLimiterRedis } from "rate-limiter-flexible";
import { systemClock } from "../../src/clock.js";
import { createLimiter } from "../../src/middleware/rate-limit/limiter.js";
import { memoryStore } from "../../src/stores/memory.js";
import { redisStore } from "../../src/stores/redis.js";
import type { RateRule } from "../../src/stores/types.js";
import { createApiSimulator } from "../../src/testing/index.js";
import { type FleetWorker, killAll, spawnWorker, timedRateRun } from "../../test/fleet/fleet.js";

export const title = "Rate limiter: acquire throughput and latency, memory and Redis; fleet accuracy";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const DB = 9;
const ROUNDS = Number(process.env.LIMITER_ROUNDS ?? (process.env.BENCH_QUICK === "1" ? 3 : 9));
const MEMORY_MS = 200;
/** The memory limiters' separate latency pass. */
const MEMORY_TIMED_MS = 60;
const REDIS_MS = 400;
/** Windows of counted acquires per Redis contender; the smallest INFO commandstats count is kept. */
const COUNT_WINDOWS = 5;
const KEY = "bench-key";

type Acquire = () => unknown;
interface Contender {
  name: string;
  baseline?: boolean;
  setup(): Promise<Acquire>;
  teardown?(): Promise<void>;
}
interface Sample {
  perSec: number;
  p50: number;
  p99: number;
}

const isThenable = (v: unknown): v is PromiseLike<unknown> => typeof (v as { then?: unknown } | null | undefined)?.then === "function";

/** Latencies: counted per ns below 10 µs (millions a second from the memory limiters), kept and sorted above. */
function latencyRecorder() {
  const fine = new Uint32Array(10_000);
  const coarse: number[] = [];
  let n = 0;
  return {
    add(ms: number): void {
      const ns = Math.round(ms * 1e6);
      if (ns < fine.length) fine[ns] = (fine[ns] as number) + 1;
      else coarse.push(ms);
      n++;
    },
    percentile(p: number): number {
      if (n === 0) return Number.NaN;
      const rank = Math.min(n - 1, Math.floor(n * p));
      let seen = 0;
      for (let ns = 0; ns < fine.length; ns++) {
        seen += fine[ns] as number;
        if (seen > rank) return ns / 1e6;
      }
      coarse.sort((a, b) => a - b);
      return coarse[rank - seen] as number;
    },
  };
}

/**
 * Runs `acquire` for `ms` with `concurrency` callers. Concurrency 1 awaits only
 * what returns a promise (a synchronous limiter stays synchronous);
 * concurrency N runs N async loops that await every acquire. `timed` times
 * every acquire (with one performance.now() pair, whose cost is included).
 */
async function measure(acquire: Acquire, concurrency: number, ms: number, timed: boolean, slow = false): Promise<Sample> {
  const latencies = latencyRecorder();
  let ops = 0;
  const start = performance.now();
  const end = start + ms;
  // Fast limiters read the clock every 256 acquires; slow ones (bottleneck: a few hundred per second) every acquire.
  const batch = timed || slow ? 1 : 256;
  const loop = async () => {
    let sinceYield = 0;
    while (performance.now() < end) {
      for (let i = 0; i < batch; i++) {
        const t = timed ? performance.now() : 0;
        const r = acquire();
        if (concurrency > 1 || isThenable(r)) await r;
        if (timed) latencies.add(performance.now() - t);
      }
      ops += batch;
      sinceYield += batch;
      // One caller: let timers and I/O run every 256 acquires (outside the timed span).
      if (concurrency === 1 && sinceYield >= 256) {
        sinceYield = 0;
        await null;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  const elapsed = performance.now() - start;
  return { perSec: (ops / elapsed) * 1000, p50: latencies.percentile(0.5), p99: latencies.percentile(0.99) };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

const fmtRate = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e4 ? `${(n / 1e3).toFixed(1)}k` : n.toFixed(0));
const fmtMs = (n: number) =>
  Number.isNaN(n) ? "–" : n < 0.001 ? `${(n * 1e6).toFixed(0)} ns` : n < 1 ? `${(n * 1000).toFixed(n < 0.01 ? 1 : 0)} µs` : `${n.toFixed(2)} ms`;

/** Limits nobody reaches: a billion requests per second (Redis scripts round the interval up to 1 µs: a million per second). */
const NEVER_WAIT: RateRule[] = [
  { id: "fast", interval: 0.000001, tolerance: 1000 },
  { id: "hourly", interval: 0.0000001, tolerance: 3_600_000 },
];
const ONE_RULE: RateRule[] = [NEVER_WAIT[0] as RateRule];

// --- memory contenders ---

function minimalGcraMemory(): Acquire {
  const interval = 0.000001;
  const tolerance = 1000;
  const tats = new Map<string, number>();
  return () => {
    const now = Date.now();
    const tat = tats.get(KEY) ?? now;
    const t = Math.max(tat, now);
    if (t - tolerance > now) return false;
    tats.set(KEY, t + interval);
    return true;
  };
}

const memoryContenders: Contender[] = [
  { name: "minimal GCRA (baseline)", baseline: true, setup: async () => minimalGcraMemory() },
  {
    name: "ballast memory, 1 limit",
    setup: async () => {
      const limiter = createLimiter(memoryStore(), ONE_RULE, systemClock);
      return () => limiter.acquire(KEY, { maxWait: Number.POSITIVE_INFINITY });
    },
  },
  {
    name: "ballast memory, 2 limits",
    setup: async () => {
      const limiter = createLimiter(memoryStore(), NEVER_WAIT, systemClock);
      return () => limiter.acquire(KEY, { maxWait: Number.POSITIVE_INFINITY });
    },
  },
  {
    name: "rate-limiter-flexible RateLimiterMemory",
    setup: async () => {
      const rl = new RateLimiterMemory({ points: 1e12, duration: 1 });
      return () => rl.consume(KEY);
    },
  },
  {
    name: "p-throttle",
    setup: async () => {
      const throttled = pThrottle({ limit: 1e9, interval: 1000 })(() => undefined);
      return () => throttled();
    },
  },
  {
    name: "bottleneck (local)",
    setup: async () => {
      const b = new Bottleneck({ maxConcurrent: null, minTime: 0 });
      return () => b.schedule(() => Promise.resolve());
    },
  },
];

// --- Redis contenders ---

const MINIMAL_SCRIPT = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then tat = now end
if tat - tonumber(ARGV[2]) > now then return 0 end
redis.call('SET', KEYS[1], string.format('%d', tat + tonumber(ARGV[1])), 'PX', 60000)
return 1`;

function redisContenders(prefix: string): Contender[] {
  const clients: Redis[] = [];
  const client = () => {
    const r = new Redis(REDIS_URL, { db: DB });
    clients.push(r);
    return r;
  };
  let bottleneck: Bottleneck | undefined;
  return [
    {
      name: "minimal one-script GCRA (baseline)",
      baseline: true,
      setup: async () => {
        const r = client();
        const sha = (await r.script("LOAD", MINIMAL_SCRIPT)) as string;
        if (sha !== createHash("sha1").update(MINIMAL_SCRIPT).digest("hex")) throw new Error("sha mismatch");
        return () => r.evalsha(sha, 1, `${prefix}min`, 1, 1_000_000);
      },
    },
    {
      name: "ballast redisStore, 2 limits + pause",
      setup: async () => {
        const limiter = createLimiter(redisStore(client(), { prefix }), NEVER_WAIT, systemClock);
        await limiter.acquire(KEY, { maxWait: Number.POSITIVE_INFINITY });
        return () => limiter.acquire(KEY, { maxWait: Number.POSITIVE_INFINITY });
      },
    },
    {
      name: "ballast redisStore, 1 limit + pause",
      setup: async () => {
        const limiter = createLimiter(redisStore(client(), { prefix }), ONE_RULE, systemClock);
        await limiter.acquire(`${KEY}-1`, { maxWait: Number.POSITIVE_INFINITY });
        return () => limiter.acquire(`${KEY}-1`, { maxWait: Number.POSITIVE_INFINITY });
      },
    },
    {
      name: "rate-limiter-flexible RateLimiterRedis",
      setup: async () => {
        const rl = new RateLimiterRedis({ storeClient: client(), points: 1e12, duration: 1, keyPrefix: `${prefix}rlf` });
        return () => rl.consume(KEY);
      },
    },
    {
      name: "bottleneck (Redis clustering)",
      setup: async () => {
        bottleneck = new Bottleneck({
          datastore: "ioredis",
          clearDatastore: true,
          clientOptions: { host: new URL(REDIS_URL).hostname, port: Number(new URL(REDIS_URL).port || 6379), db: DB },
          id: `${prefix}bottleneck`,
          maxConcurrent: null,
          minTime: 0,
        });
        await bottleneck.ready();
        const b = bottleneck;
        return () => b.schedule(() => Promise.resolve());
      },
      async teardown() {
        await bottleneck?.disconnect(true);
        for (const c of clients) c.disconnect();
      },
    },
  ];
}

/** Every command Redis ran (scripts' commands included), summed over INFO commandstats. */
async function commandsRun(admin: Redis): Promise<number> {
  const info = await admin.info("commandstats");
  let calls = 0;
  for (const m of info.matchAll(/^cmdstat_[^:]+:calls=(\d+)/gm)) calls += Number(m[1]);
  return calls;
}

/**
 * Round trips per acquire (top-level commands, from MONITOR, which sees only
 * database 9) and Redis commands per acquire (INFO commandstats, which counts
 * the commands a script runs too). INFO is server-wide, so it is read
 * immediately before and after each window of `n` acquires, with nothing
 * else of the suite running, and the smallest of `windows` counts is kept:
 * other clients' commands can only add. The admin connection's own INFO call
 * is subtracted.
 */
async function countCommands(acquire: Acquire, n: number, windows: number): Promise<{ roundTrips: number; commands: number }> {
  const admin = new Redis(REDIS_URL);
  const monitor = await new Redis(REDIS_URL).monitor();
  let top = 0;
  monitor.on("monitor", (_time: string, _args: string[], source: string, database: string) => {
    if (Number(database) === DB && source !== "lua") top++;
  });
  await new Promise((r) => setTimeout(r, 50));
  let commands = Number.POSITIVE_INFINITY;
  for (let w = 0; w < windows; w++) {
    const before = await commandsRun(admin);
    for (let i = 0; i < n; i++) {
      const r = acquire();
      if (isThenable(r)) await r;
    }
    const after = await commandsRun(admin);
    commands = Math.min(commands, (after - before - 1) / n);
  }
  await new Promise((r) => setTimeout(r, 300));
  monitor.disconnect();
  admin.disconnect();
  return { roundTrips: top / (n * windows), commands };
}

interface TableOptions {
  /** Throughput pass per contender, concurrency and round. */
  ms: number;
  /** Latency: timed in the throughput pass ("inline", for limiters whose acquire dwarfs a timer read) or in a pass of its own of `separateMs`. */
  latency: "inline" | { separateMs: number };
  /** Count round trips and Redis commands per acquire. */
  counts: boolean;
}

async function table(contenders: Contender[], concurrencies: number[], { ms, latency, counts }: TableOptions): Promise<string> {
  const acquires = new Map<Contender, Acquire>();
  for (const c of contenders) acquires.set(c, await c.setup());
  const samples = new Map<string, Sample[]>();
  for (let round = 0; round < ROUNDS; round++) {
    const order = [...contenders.slice(round % contenders.length), ...contenders.slice(0, round % contenders.length)];
    for (const c of order) {
      for (const conc of concurrencies) {
        const slow = c.name.startsWith("bottleneck");
        const acquire = acquires.get(c) as Acquire;
        let s = await measure(acquire, conc, slow ? Math.min(ms, 300) : ms, latency === "inline", slow);
        if (latency !== "inline") {
          const t = await measure(acquire, conc, latency.separateMs, true, slow);
          s = { perSec: s.perSec, p50: t.p50, p99: t.p99 };
        }
        const k = `${c.name}|${conc}`;
        samples.set(k, [...(samples.get(k) ?? []), s]);
      }
    }
    console.error(`round ${round + 1}/${ROUNDS} done`);
  }
  const perCommand = new Map<Contender, { roundTrips: number; commands: number }>();
  if (counts) for (const c of contenders) perCommand.set(c, await countCommands(acquires.get(c) as Acquire, 200, COUNT_WINDOWS));
  for (const c of contenders) await c.teardown?.();

  const base = contenders.find((c) => c.baseline) as Contender;
  const runs = (c: Contender, conc: number) => samples.get(`${c.name}|${conc}`) ?? [];
  const med = (c: Contender, conc: number, f: keyof Sample) => median(runs(c, conc).map((s) => s[f]));
  // Each round's contender over the same round's baseline, then the median: load that drifts over the run cancels out.
  const ratio = (c: Contender, conc: number) => median(runs(c, conc).map((s, i) => s.perSec / (runs(base, conc)[i] as Sample).perSec));
  const head = ["limiter", ...concurrencies.flatMap((n) => [`acquires/s @${n}`, `vs baseline @${n}`, `p50 / p99 @${n}`])];
  if (counts) head.push("round trips / acquire (MONITOR)", "Redis commands / acquire (INFO commandstats)");
  const rows = contenders.map((c) => {
    const cells = [c.name];
    for (const n of concurrencies) {
      cells.push(fmtRate(med(c, n, "perSec")), `${ratio(c, n).toFixed(2)}x`);
      cells.push(`${fmtMs(med(c, n, "p50"))} / ${fmtMs(med(c, n, "p99"))}`);
    }
    const pc = perCommand.get(c);
    if (pc) cells.push(pc.roundTrips.toFixed(2), pc.commands.toFixed(1));
    return `| ${cells.join(" | ")} |`;
  });
  return [`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`, ...rows].join("\n");
}

async function fleet(workers: ReadonlyArray<FleetWorker>, inject: boolean): Promise<string> {
  const sim = await createApiSimulator();
  sim.route("GET", "/work", { json: { ok: true } });
  sim.route("GET", "/warmup", {});
  sim.rateLimit({ requests: 53, per: 1000, headers: "none", route: "/work" });
  let injectedAt: number | undefined;
  let armed = 0;
  if (inject) {
    sim.use((req) => {
      if (injectedAt !== undefined || armed === 0 || req.receivedAt < armed || req.path !== "/work") return undefined;
      injectedAt = req.receivedAt;
      return { status: 429, headers: { "retry-after": "1" } };
    });
  }
  try {
    const { start, until } = await timedRateRun(workers, sim.url, inject ? "paused" : "steady", 5000, (s) => {
      armed = s + 2000;
    });
    const work = sim.requests.filter((r) => r.path === "/work");
    const inWindow = work.filter((r) => r.receivedAt >= start && r.receivedAt < until).length;
    const expected = inject ? 50 * 4 : 50 * 5; // the injected pause takes 1 s of the 5
    const t = injectedAt;
    const during = t === undefined ? 0 : work.filter((r) => r.receivedAt > t + 150 && r.receivedAt < t + 950).length;
    return `| ${inject ? "with a 429 + Retry-After: 1 at 2 s" : "steady"} | ${work.length} | ${sim.rejected} | ${((inWindow / expected) * 100).toFixed(1)}% | ${inject ? during : "–"} |`;
  } finally {
    await sim.close();
  }
}

async function fleetRuns(): Promise<string[]> {
  const prefix = `ballast_bench_fleet_${process.pid}_${Date.now()}:`;
  const workers = Array.from({ length: 4 }, (_, i) => spawnWorker({ REDIS_URL, PREFIX: prefix, WORKER: String(i) }));
  try {
    await Promise.all(workers.map((w) => w.next("ready")));
    return [await fleet(workers, false), await fleet(workers, true)];
  } finally {
    killAll(workers);
    const r = new Redis(REDIS_URL);
    const keys = await r.keys(`${prefix}*`);
    if (keys.length) await r.del(...keys);
    r.disconnect();
  }
}

export async function run(): Promise<string> {
  // LIMITER_ONLY=memory|redis|fleet runs one part (for quick comparisons); the default runs all.
  const only = process.env.LIMITER_ONLY;
  const want = (part: string) => only === undefined || only === part;
  const prefix = `ballast_bench_${process.pid}:`;
  const memory = want("memory")
    ? await table(memoryContenders, [1, 64], { ms: MEMORY_MS, latency: { separateMs: MEMORY_TIMED_MS }, counts: false })
    : "(skipped)";
  // What timing itself costs: an empty function through the same timed loop.
  const floor = await measure(() => undefined, 1, MEMORY_TIMED_MS, true);
  const redis = want("redis") ? await table(redisContenders(prefix), [1, 64], { ms: REDIS_MS, latency: "inline", counts: true }) : "(skipped)";
  const fleetRows = want("fleet") ? await fleetRuns() : [];
  const cleanup = new Redis(REDIS_URL, { db: DB });
  const keys = await cleanup.keys(`${prefix}*`);
  if (keys.length) await cleanup.del(...keys);
  cleanup.disconnect();
  return [
    `${ROUNDS} interleaved rounds (rotated order); throughput and latency are medians over the rounds, "vs baseline" is the median of each round's ratio to the baseline measured in the same round. Memory: ${MEMORY_MS} ms per contender and concurrency per round; Redis: ${REDIS_MS} ms (bottleneck 300 ms). Limits are set so nobody waits. "@1": one caller, awaiting only promises; "@64": 64 concurrent callers awaiting every acquire. ballast's limiters are measured at the acquire the middleware makes (createLimiter().acquire), with 2 limits (per second and per hour) and the pause state in the same call unless noted.`,
    "",
    "### In memory (baseline: a minimal single-limit GCRA function)",
    "",
    `Throughput from the untimed pass; p50 / p99 from a separate pass of ${MEMORY_TIMED_MS} ms per contender and concurrency per round that times every acquire with a performance.now() pair. That timing is included: an empty function measures ${fmtMs(floor.p50)} / ${fmtMs(floor.p99)} in the same loop. At @64 an acquire's latency includes the turns of the other 63 callers.`,
    "",
    memory,
    "",
    "### Redis on loopback (baseline: a minimal one-script GCRA by EVALSHA)",
    "",
    `Latency is timed in the throughput pass. Round trips: top-level commands MONITOR saw in database 9 (the suite's own). Redis commands: INFO commandstats, which counts a script's commands too but is server-wide, so it is read immediately before and after each contender's counted acquires (${COUNT_WINDOWS} windows of 200, nothing else of the suite running) and the smallest count is shown: other clients' traffic can only add.`,
    "",
    redis,
    "",
    "### Fleet accuracy: 4 processes, redisStore, 50 requests/s for 5 s",
    "",
    "The simulated API rejects anything above 53 requests in any 1 s window (50 + 3 for arrival jitter). Utilisation: accepted requests received in the 5 s window over the allowed 250 (200 with the 1 s pause).",
    "",
    "| run | requests | rejected (429) | utilisation | requests during the pause |",
    "|---|---|---|---|---|",
    ...fleetRows,
  ].join("\n");
}
