/**
 * Scaling out, as curves: how the limiter's throughput grows with processes —
 * acquires/s for 1–16 processes on one Redis and on a local Redis Cluster
 * (3 masters, 3 replicas), each process running 16 acquire loops with a limit
 * nobody reaches. Two shapes: every process on one shared key (a fleet sharing
 * one API quota: one key lives in one slot, on one master) and one key per
 * process (per-tenant quotas: keys spread over the masters).
 *
 * The PostgreSQL inbox's curves are the suite scale-inbox.ts (`npm run bench
 * scale-inbox` runs them alone; `npm run bench scale` runs both).
 * On a 2-core machine every curve flattens early: the figures say where.
 */
import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { startRedisCluster } from "../../test/support/redis-cluster.js";
import { cpuSplit, describeSplit, sampleCpu } from "../scale/cpu-by-command.js";
import { withLoadAverage } from "../scale/load-average.js";

export const title = "Scaling out: limiter acquires/s by process count (Redis, Redis Cluster)";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
/** SCALE_QUICK=1: a short run that checks the suite works (the figures mean little). */
const QUICK = process.env.SCALE_QUICK === "1" || process.env.BENCH_QUICK === "1";
const LIMITER_PROCESSES = QUICK ? [1, 2] : [1, 2, 4, 8, 16];
const LIMITER_MS = QUICK ? 500 : 2000;
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

const fmt = (n: number) => (n >= 1e4 ? `${(n / 1e3).toFixed(1)}k` : n.toFixed(0));

interface Measured {
  perSec: number;
  /** Cores used during the run by the store, the clients, and everything else. */
  cpu: Record<string, number>;
}

async function limiterRun(processes: number, env: Record<string, string>, sharedKey: boolean): Promise<Measured> {
  const children = Array.from({ length: processes }, () =>
    fork(here("../scale/limiter-worker.ts"), [], {
      execArgv: ["--import", "tsx"],
      env: { ...process.env, ...env },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    }),
  );
  /** The child's next message; a child that exits first fails the run instead of hanging it. */
  const next = (c: ChildProcess) =>
    new Promise<Record<string, number>>((resolve, reject) => {
      const exited = (code: number | null) => reject(new Error(`limiter worker exited (${code})`));
      c.once("exit", exited);
      c.once("message", (m) => {
        c.off("exit", exited);
        resolve(m as Record<string, number>);
      });
    });
  try {
    await Promise.all(children.map(next));
    const until = Date.now() + 200 + LIMITER_MS;
    const answers = children.map(next);
    children.forEach((c, i) => {
      c.send({ until, key: sharedKey ? "shared" : `own-${i}` });
    });
    // CPU is sampled over the measured span only (the loops start 200 ms after the send).
    await new Promise((r) => setTimeout(r, until - LIMITER_MS - Date.now()));
    const before = sampleCpu();
    const from = Date.now();
    const counts = await Promise.all(answers);
    const after = sampleCpu();
    const clients = new Set(children.map((c) => c.pid));
    const cpu = cpuSplit(before, after, Date.now() - from, {
      redis: (_, comm) => comm === "redis-server",
      clients: (pid) => clients.has(pid),
    });
    const errors = counts.reduce((sum, c) => sum + (c.errors ?? 0), 0);
    if (errors > 0) console.warn(`${processes} processes: ${errors} acquires failed (store timeout 10 s)`);
    return { perSec: counts.reduce((sum, c) => sum + (c.acquires ?? 0), 0) / (LIMITER_MS / 1000), cpu };
  } finally {
    for (const c of children) c.kill("SIGKILL");
  }
}

/** "12.3k (1.80×)" */
const cell = (perSec: number, one: number) => `${fmt(perSec)} (${(perSec / one).toFixed(2)}×)`;
const cpuCell = (cpu: Record<string, number>) => describeSplit(cpu);

async function limiterCurves(): Promise<string> {
  const cluster = await startRedisCluster();
  const rows: string[] = [];
  const cpuRows: string[] = [];
  try {
    const backends: Array<[string, Record<string, string>]> = [
      ["one Redis", { REDIS_URL, PREFIX: `ballast:bench-scale:${process.pid}:` }],
      ["Redis Cluster (3 masters)", { REDIS_CLUSTER_NODES: JSON.stringify(cluster.nodes), PREFIX: "ballast:bench-scale:" }],
    ];
    for (const [name, env] of backends) {
      for (const shared of [true, false]) {
        const cells: string[] = [];
        const cpus: string[] = [];
        let one = 0;
        for (const n of LIMITER_PROCESSES) {
          const { perSec, cpu } = await limiterRun(n, env, shared);
          if (n === 1) one = perSec;
          cells.push(cell(perSec, one));
          cpus.push(cpuCell(cpu));
        }
        const label = `| ${name} | ${shared ? "one shared key" : "a key per process"} |`;
        rows.push(`${label} ${cells.join(" | ")} |`);
        cpuRows.push(`${label} ${cpus.join(" | ")} |`);
      }
    }
  } finally {
    await cluster.close();
  }
  const head = [`| store | keys | ${LIMITER_PROCESSES.map((n) => `${n} proc`).join(" | ")} |`, `|---|---|${LIMITER_PROCESSES.map(() => "--:").join("|")}|`];
  return [
    `Acquires per second summed over the processes (each: 16 concurrent loops, ${LIMITER_MS / 1000} s), and the ratio to one process.`,
    "",
    ...head,
    ...rows,
    "",
    "Where the CPU went in the same runs, in cores (1.00 = one core busy the whole run; the machine has 2): every redis-server process, the client processes, and everything else on the machine.",
    "",
    ...head,
    ...cpuRows,
  ].join("\n");
}

export function run(): Promise<string> {
  return withLoadAverage(limiterCurves);
}
