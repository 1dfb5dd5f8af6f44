/**
 * Scaling out, as curves: how throughput grows with processes.
 *
 * - Limiter: acquires/s for 1–16 processes on one Redis and on a local Redis
 *   Cluster (3 masters, 3 replicas), each process running 16 acquire loops with
 *   a limit nobody reaches. Two shapes: every process on one shared key (a
 *   fleet sharing one API quota: one key lives in one slot, on one master) and
 *   one key per process (per-tenant quotas: keys spread over the masters).
 * - PostgreSQL inbox: acknowledgements/s (each 2xx committed) for 1, 2, 4, 8
 *   receiver processes under wrk, counted in the table; then events
 *   processed/s for 1, 2, 4, 8 worker processes draining a filled inbox with a
 *   handler that does nothing (the inbox's claim and complete cost).
 *
 * On a 2-core machine every curve flattens early: the figures say where.
 */
import { type ChildProcess, fork, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { postgresInbox } from "../../src/webhooks/index.js";
import { startRedisCluster } from "../../test/support/redis-cluster.js";
import { cpuSplit, describeSplit, sampleCpu } from "../scale/cpu-by-command.js";
import { runWrk, writeRequests, wrkVersion } from "../webhooks/wrk-load.js";

export const title = "Scaling out: limiter acquires/s by process count (Redis, Redis Cluster); PostgreSQL inbox acks/s and processed/s by process count";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const DATABASE_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
/** SCALE_QUICK=1: a short run that checks the suite works (the figures mean little). */
const QUICK = process.env.SCALE_QUICK === "1" || process.env.BENCH_QUICK === "1";
const LIMITER_PROCESSES = QUICK ? [1, 2] : [1, 2, 4, 8, 16];
const INBOX_PROCESSES = QUICK ? [1, 2] : [1, 2, 4, 8];
const LIMITER_MS = QUICK ? 500 : 2000;
const ACK_S = QUICK ? 1 : 4;
const DRAIN_EVENTS = QUICK ? 2000 : 20_000;
const SECRET = "whsec_scale_bench";
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

const fmt = (n: number) => (n >= 1e4 ? `${(n / 1e3).toFixed(1)}k` : n.toFixed(0));

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

// --- limiter ---

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

// --- PostgreSQL inbox ---

/** Polls `read` until two reads 200 ms apart agree (the seed events are processed), and returns the value. */
async function waitSettled(read: () => Promise<number>): Promise<number> {
  let last = await read();
  for (;;) {
    await new Promise((r) => setTimeout(r, 200));
    const now = await read();
    if (now === last) return now;
    last = now;
  }
}

function startInboxProcess(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", here("../scale/inbox-process.ts")], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    child.stdout?.on("data", (d: Buffer) => {
      if (d.toString().includes("ready")) resolve(child);
    });
    child.once("exit", (code) => reject(new Error(`inbox process exited early (${code})`)));
  });
}

async function inboxCurves(): Promise<string> {
  if (wrkVersion() === undefined) return "_wrk is not installed (apt-get install wrk): the inbox curves need it._";
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
  const dir = mkdtempSync(join(tmpdir(), "ballast-scale-"));
  /** A fresh schema with the inbox table created (the inbox creates it on first use). */
  const freshSchema = async (schema: string) => {
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`);
    await postgresInbox(pool, { schema }).list({ limit: 1 });
  };
  const count = async (schema: string, where = "true") =>
    Number((await pool.query(`SELECT count(*) AS n FROM ${schema}.ballast_webhook_inbox WHERE ${where}`)).rows[0].n);
  /** WAL flushes (fsyncs) and commits so far, to tell per-event cost from fsync batching. */
  const walSyncs = async () => {
    const { rows } = await pool.query("SELECT (SELECT wal_sync FROM pg_stat_wal) AS syncs, (SELECT sum(xact_commit) FROM pg_stat_database) AS commits");
    return { syncs: Number(rows[0].syncs), commits: Number(rows[0].commits) };
  };
  const pgGroups = (children: ChildProcess[]) => {
    const pids = new Set(children.map((c) => c.pid));
    return {
      postgres: (_: number, comm: string) => comm.startsWith("postgres"),
      ballast: (pid: number) => pids.has(pid),
      wrk: (_: number, comm: string) => comm === "wrk",
    };
  };
  const acks: string[] = [];
  const drains: string[] = [];
  const ackCpu: string[] = [];
  const drainCpu: string[] = [];
  const ackSyncs: string[] = [];
  const drainSyncs: string[] = [];
  try {
    let one = 0;
    for (const n of INBOX_PROCESSES) {
      const schema = `bench_scale_${process.pid}_${n}`;
      await freshSchema(schema);
      const ports = await Promise.all(Array.from({ length: n }, freePort));
      const receivers = await Promise.all(ports.map((port) => startInboxProcess({ PORT: String(port), SCHEMA: schema, SECRET, DATABASE_URL })));
      try {
        // 48 connections in all, split over the receivers; each wrk sends its own unique events.
        const files = ports.map((port, i) => {
          const file = join(dir, `req-${n}-${i}.bin`);
          writeRequests(file, `127.0.0.1:${port}`, SECRET, Math.ceil((25_000 * ACK_S) / n), `s${n}_${i}`);
          return file;
        });
        const cpuBefore = sampleCpu();
        const walBefore = await walSyncs();
        const from = Date.now();
        const loads = Promise.all(ports.map((port, i) => runWrk(`http://127.0.0.1:${port}/hooks`, files[i] as string, Math.max(1, Math.floor(48 / n)), ACK_S)));
        // Sampled while wrk still runs: a process that has exited has no /proc entry to read.
        await new Promise((r) => setTimeout(r, ACK_S * 1000 - 150));
        const cpuAfter = sampleCpu();
        const walAfter = await walSyncs();
        const wall = Date.now() - from;
        await loads;
        ackCpu.push(describeSplit(cpuSplit(cpuBefore, cpuAfter, wall, pgGroups(receivers))));
        ackSyncs.push(`${fmt(((walAfter.syncs - walBefore.syncs) * 1000) / wall)} / ${fmt(((walAfter.commits - walBefore.commits) * 1000) / wall)}`);
        // Counted at the receivers: rows stored over the span between the first and the last (wrk's own clock includes loading its file).
        const { rows } = await pool.query(`SELECT count(*) AS n, min(received_at) AS first, max(received_at) AS last FROM ${schema}.ballast_webhook_inbox`);
        const perSec = Number(rows[0].n) / ((Number(rows[0].last) - Number(rows[0].first)) / 1000);
        if (n === 1) one = perSec;
        acks.push(`${fmt(perSec)} (${(perSec / one).toFixed(2)}×)`);
      } finally {
        for (const r of receivers) r.kill("SIGKILL");
      }
      await pool.query(`DROP SCHEMA ${schema} CASCADE`);
    }

    // Drain: N workers empty an inbox filled at once with DRAIN_EVENTS pending events (copies, by SQL, of one a receiver stored).
    let oneDrain = 0;
    for (const n of INBOX_PROCESSES) {
      const schema = `bench_drain_${process.pid}_${n}`;
      await freshSchema(schema);
      const port = await freePort();
      const receiver = await startInboxProcess({ PORT: String(port), SCHEMA: schema, SECRET, DATABASE_URL });
      const file = join(dir, `drain-${n}.bin`);
      writeRequests(file, `127.0.0.1:${port}`, SECRET, 10, `d${n}`);
      await runWrk(`http://127.0.0.1:${port}/hooks`, file, 1, 1);
      receiver.kill("SIGKILL");
      // Workers start first and poll the empty inbox; the clock starts when one INSERT commits every event at once.
      const workers = await Promise.all(Array.from({ length: n }, () => startInboxProcess({ PORT: "0", SCHEMA: schema, SECRET, DATABASE_URL })));
      const doneBefore = await waitSettled(() => count(schema, "status = 'done'"));
      const total = DRAIN_EVENTS;
      const cpuBefore = sampleCpu();
      const walBefore = await walSyncs();
      const started = performance.now();
      try {
        await pool.query(
          `INSERT INTO ${schema}.ballast_webhook_inbox (id, scheme, type, ordering_key, payload, headers, received_at, run_at)
           SELECT 'fill_' || g, scheme, type, NULL, payload, headers, received_at, run_at
             FROM ${schema}.ballast_webhook_inbox, generate_series(1, ${DRAIN_EVENTS}) g
            WHERE id = (SELECT min(id) FROM ${schema}.ballast_webhook_inbox)`,
        );
        const deadline = Date.now() + 180_000;
        while ((await count(schema, "status = 'done'")) - doneBefore < total) {
          if (Date.now() > deadline) throw new Error(`${n} workers did not drain ${total} events in 180 s`);
          await new Promise((r) => setTimeout(r, 50));
        }
        const wall = performance.now() - started;
        const walAfter = await walSyncs();
        drainCpu.push(describeSplit(cpuSplit(cpuBefore, sampleCpu(), wall, pgGroups(workers))));
        drainSyncs.push(`${fmt(((walAfter.syncs - walBefore.syncs) * 1000) / wall)} / ${fmt(((walAfter.commits - walBefore.commits) * 1000) / wall)}`);
      } finally {
        for (const w of workers) w.kill("SIGKILL");
      }
      const perSec = total / ((performance.now() - started) / 1000);
      if (n === 1) oneDrain = perSec;
      drains.push(`${fmt(perSec)} (${(perSec / oneDrain).toFixed(2)}×)`);
      await pool.query(`DROP SCHEMA ${schema} CASCADE`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await pool.end();
  }
  return [
    `Acknowledgements: wrk (${wrkVersion()}), 48 connections split over the receivers, ${ACK_S} s, 2 KB signed Stripe events; counted at the receivers as rows stored over the span of their received_at. Processed: ${DRAIN_EVENTS} pending events drained by N worker processes (32 handlers each, a handler that does nothing), timed from the commit that fills the inbox.`,
    "",
    `| PostgreSQL inbox | ${INBOX_PROCESSES.map((n) => `${n} proc`).join(" | ")} |`,
    `|---|${INBOX_PROCESSES.map(() => "--:").join("|")}|`,
    `| acknowledged/s (receivers) | ${acks.join(" | ")} |`,
    `| processed/s (workers) | ${drains.join(" | ")} |`,
    "",
    "Where the CPU went (cores; 2 on this machine): PostgreSQL's processes, the ballast processes (receivers or workers), wrk, everything else. And PostgreSQL's WAL fsyncs/s against its commits/s (`pg_stat_wal.wal_sync`, `pg_stat_database.xact_commit`, machine-wide): fewer fsyncs than commits means commits shared a flush.",
    "",
    `| run | ${INBOX_PROCESSES.map((n) => `${n} proc`).join(" | ")} |`,
    `|---|${INBOX_PROCESSES.map(() => "--:").join("|")}|`,
    `| acknowledging: CPU | ${ackCpu.join(" | ")} |`,
    `| acknowledging: fsyncs/s / commits/s | ${ackSyncs.join(" | ")} |`,
    `| processing: CPU | ${drainCpu.join(" | ")} |`,
    `| processing: fsyncs/s / commits/s | ${drainSyncs.join(" | ")} |`,
  ].join("\n");
}

export async function run(): Promise<string> {
  const load = () =>
    loadavg()
      .map((l) => l.toFixed(2))
      .join(" / ");
  const before = load();
  const body = [`### Limiter`, "", await limiterCurves(), "", "### PostgreSQL inbox", "", await inboxCurves()];
  return [`Load average (1/5/15 min) before: ${before}; after: ${load()} (2 cores; other work on the machine competes with every figure).`, "", ...body].join(
    "\n",
  );
}
