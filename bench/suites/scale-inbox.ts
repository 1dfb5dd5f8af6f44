/**
 * Scaling out the PostgreSQL inbox, as curves: acknowledgements/s (each 2xx
 * committed) for 1, 2, 4, 8 receiver processes under wrk, then events
 * processed/s for 1, 2, 4, 8 worker processes draining a filled inbox with a
 * handler that does nothing (the inbox's claim and complete cost).
 *
 * Acknowledgements are counted from the table's sequence over a window that
 * starts once every wrk is sending (wrk first loads its request file, which
 * takes a second or more) and ends before any stops, and the CPU split and WAL
 * flushes are sampled over that same window.
 *
 * `npm run bench scale-inbox` runs this suite alone. On a 2-core machine every
 * curve flattens early: the figures say where.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { postgresInbox } from "../../src/webhooks/index.js";
import { type CpuSample, cpuSplit, describeSplit, sampleCpu } from "../scale/cpu-by-command.js";
import { withLoadAverage } from "../scale/load-average.js";
import { runWrk, writeRequests, wrkVersion } from "../webhooks/wrk-load.js";

export const title = "Scaling out: PostgreSQL inbox acks/s and processed/s by process count";

const DATABASE_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
/** SCALE_QUICK=1: a short run that checks the suite works (the figures mean little). */
const QUICK = process.env.SCALE_QUICK === "1" || process.env.BENCH_QUICK === "1";
const PROCESSES = QUICK ? [1, 2] : [1, 2, 4, 8];
/** The measured window of each acknowledgement run, s. */
const ACK_S = QUICK ? 1 : 4;
/** wrk runs this much longer than the window: the window starts once every wrk sends. */
const ACK_MARGIN_S = 2;
/** Connections in all, split over the receivers. */
const CONNECTIONS = 48;
/** Each receiver process's pg pool (8 receivers: 64 connections). */
const POOL = 8;
/** Unique events written per second of wrk's run, in all: above what the receivers here reach. */
const EVENTS_PER_S = 25_000;
const DRAIN_EVENTS = QUICK ? 2000 : 20_000;
const SECRET = "whsec_scale_bench";
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const fmt = (n: number) => (n >= 1e4 ? `${(n / 1e3).toFixed(1)}k` : n.toFixed(0));

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Polls `read` until two reads 200 ms apart agree (the seed events are processed), and returns the value. */
async function waitSettled(read: () => Promise<number>): Promise<number> {
  let last = await read();
  for (;;) {
    await sleep(200);
    const now = await read();
    if (now === last) return now;
    last = now;
  }
}

function startInboxProcess(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", here("../scale/inbox-process.ts")], {
    env: { ...process.env, POOL: String(POOL), ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    child.stdout?.on("data", (d: Buffer) => {
      if (d.toString().includes("ready")) resolve(child);
    });
    child.once("exit", (code) => reject(new Error(`inbox process exited early (${code})`)));
  });
}

/** What is sampled at each end of a measured window. */
interface Mark {
  at: number;
  cpu: CpuSample;
  /** WAL flushes (fsyncs) and commits so far, machine-wide: to tell per-event cost from fsync batching. */
  syncs: number;
  commits: number;
  /** Sequence values the inbox table handed out so far (rows inserted, committed or about to be). */
  inserted: number;
}

export function run(): Promise<string> {
  return withLoadAverage(inboxCurves);
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
  const mark = async (schema: string): Promise<Mark> => {
    const cpu = sampleCpu();
    const { rows } = await pool.query(
      `SELECT (SELECT wal_sync FROM pg_stat_wal) AS syncs, (SELECT sum(xact_commit) FROM pg_stat_database) AS commits,
              (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM ${schema}.ballast_webhook_inbox_seq_seq) AS inserted`,
    );
    return { at: performance.now(), cpu, syncs: Number(rows[0].syncs), commits: Number(rows[0].commits), inserted: Number(rows[0].inserted) };
  };
  const perSec = (a: Mark, b: Mark, n: number) => (n * 1000) / (b.at - a.at);
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
  const ackLatency: string[] = [];
  try {
    let one = 0;
    for (const n of PROCESSES) {
      const schema = `bench_scale_${process.pid}_${n}`;
      await freshSchema(schema);
      const ports = await Promise.all(Array.from({ length: n }, freePort));
      const receivers = await Promise.all(ports.map((port) => startInboxProcess({ PORT: String(port), SCHEMA: schema, SECRET, DATABASE_URL })));
      try {
        // Each wrk sends its own unique events (a repeated id would be answered without storing).
        const files = ports.map((port, i) => {
          const file = join(dir, `req-${n}-${i}.bin`);
          writeRequests(file, `127.0.0.1:${port}`, SECRET, Math.ceil((EVENTS_PER_S * (ACK_S + ACK_MARGIN_S)) / n), `s${n}_${i}`);
          return file;
        });
        const loads = Promise.all(
          ports.map((port, i) => runWrk(`http://127.0.0.1:${port}/hooks`, files[i] as string, Math.max(1, Math.floor(CONNECTIONS / n)), ACK_S + ACK_MARGIN_S)),
        );
        // wrk loads its file before it sends anything: the window opens once rows arrive (and the receivers' pools are connected).
        const deadline = Date.now() + 60_000;
        while ((await mark(schema)).inserted === 0) {
          if (Date.now() > deadline) throw new Error(`${n} receivers stored nothing in 60 s`);
          await sleep(20);
        }
        await sleep(400);
        const a = await mark(schema);
        await sleep(ACK_S * 1000);
        const b = await mark(schema);
        const results = await loads;
        ackCpu.push(describeSplit(cpuSplit(a.cpu, b.cpu, b.at - a.at, pgGroups(receivers))));
        ackSyncs.push(`${fmt(perSec(a, b, b.syncs - a.syncs))} / ${fmt(perSec(a, b, b.commits - a.commits))}`);
        const rate = perSec(a, b, b.inserted - a.inserted);
        if (n === 1) one = rate;
        const failed = results.reduce((sum, r) => sum + r.non2xx + r.socketErrors, 0);
        const ranOut = results.some((r) => r.wrapped > 0) ? " (ran out of unique events)" : "";
        acks.push(`${fmt(rate)} (${(rate / one).toFixed(2)}×)${failed > 0 ? `, ${failed} failed` : ""}${ranOut}`);
        // wrk's percentiles over its whole run, per receiver; the slowest receiver's are shown.
        const worst = (k: "p50Us" | "p99Us") => Math.max(...results.map((r) => r[k])) / 1000;
        ackLatency.push(`${worst("p50Us").toFixed(1)} / ${worst("p99Us").toFixed(1)}`);
      } finally {
        for (const r of receivers) r.kill("SIGKILL");
      }
      await pool.query(`DROP SCHEMA ${schema} CASCADE`);
    }

    // Drain: N workers empty an inbox filled at once with DRAIN_EVENTS pending events (copies, by SQL, of one a receiver stored).
    let oneDrain = 0;
    for (const n of PROCESSES) {
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
      const a = await mark(schema);
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
          await sleep(50);
        }
        const b = await mark(schema);
        drainCpu.push(describeSplit(cpuSplit(a.cpu, b.cpu, b.at - a.at, pgGroups(workers))));
        drainSyncs.push(`${fmt(perSec(a, b, b.syncs - a.syncs))} / ${fmt(perSec(a, b, b.commits - a.commits))}`);
        const rate = perSec(a, b, total);
        if (n === 1) oneDrain = rate;
        drains.push(`${fmt(rate)} (${(rate / oneDrain).toFixed(2)}×)`);
      } finally {
        for (const w of workers) w.kill("SIGKILL");
      }
      await pool.query(`DROP SCHEMA ${schema} CASCADE`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await pool.end();
  }
  return [
    `Acknowledgements: wrk (${wrkVersion()}), ${CONNECTIONS} connections split over the receivers (one wrk each), 2 KB signed Stripe events, each receiver with a pg pool of ${POOL}; ` +
      `rows inserted (the table's sequence) over a ${ACK_S} s window that opens once rows arrive (wrk first loads its request file) and closes before wrk stops; CPU and WAL are sampled over the same window. ` +
      `Latency is wrk's over its whole run, for the slowest receiver. Processed: ${DRAIN_EVENTS} pending events drained by N worker processes (32 handlers each, a handler that does nothing), timed from the commit that fills the inbox.`,
    "",
    `| PostgreSQL inbox | ${PROCESSES.map((n) => `${n} proc`).join(" | ")} |`,
    `|---|${PROCESSES.map(() => "--:").join("|")}|`,
    `| acknowledged/s (receivers) | ${acks.join(" | ")} |`,
    `| acknowledgement p50 / p99 ms | ${ackLatency.join(" | ")} |`,
    `| processed/s (workers) | ${drains.join(" | ")} |`,
    "",
    "Where the CPU went (cores; 2 on this machine): PostgreSQL's processes, the ballast processes (receivers or workers), wrk, everything else. And PostgreSQL's WAL fsyncs/s against its commits/s (`pg_stat_wal.wal_sync`, `pg_stat_database.xact_commit`, machine-wide): fewer fsyncs than commits means commits shared a flush.",
    "",
    `| run | ${PROCESSES.map((n) => `${n} proc`).join(" | ")} |`,
    `|---|${PROCESSES.map(() => "--:").join("|")}|`,
    `| acknowledging: CPU | ${ackCpu.join(" | ")} |`,
    `| acknowledging: fsyncs/s / commits/s | ${ackSyncs.join(" | ")} |`,
    `| processing: CPU | ${drainCpu.join(" | ")} |`,
    `| processing: fsyncs/s / commits/s | ${drainSyncs.join(" | ")} |`,
  ].join("\n");
}
