/**
 * Issue 7: receiver throughput — events acknowledged per second and latency
 * (p50/p99) with the SQLite and PostgreSQL inboxes, 50 connections, 2 KB
 * signed Stripe events, load from a separate process — beside a receiver that
 * verifies and answers without storing (the ceiling). Only acknowledgement is
 * measured (worker off): a 2xx means the event is committed.
 *
 * This file is also the load generator: run as a child with
 * BALLAST_WEBHOOK_LOAD set, it sends load instead of exporting a suite.
 */
import { fork } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { Pool as UndiciPool } from "undici";
import { createWebhookReceiver, postgresInbox, signWebhook, sqliteInbox, type WebhookInbox } from "../../src/webhooks/index.js";

export const title = "Webhooks: receiver throughput (acknowledged = durably stored), 50 connections, 2 KB events";

const SECRET = "whsec_receiver_bench";
const CONNECTIONS = 50;
const WARMUP_MS = 1500;
const MEASURE_MS = 4000;
const ROUNDS = 2;
const DATABASE_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

interface LoadResult {
  /** CPU time of the receiver process per acknowledged event, µs (set by the parent). */
  cpuUsPerEvent?: number;
  acked: number;
  failed: number;
  elapsedMs: number;
  p50: number;
  p99: number;
}

function body2k(id: string): string {
  return JSON.stringify({ id, type: "invoice.paid", object: "event", data: { object: { id: `in_${id}`, pad: "x".repeat(1900) } } });
}

/** The load generator (child process). */
async function load(url: string): Promise<void> {
  const pool = new UndiciPool(url, { connections: CONNECTIONS, pipelining: 1 });
  const latencies: number[] = [];
  let acked = 0;
  let failed = 0;
  let seq = 0;
  let measuring = false;
  let stop = false;
  const prefix = `${process.pid}_${Date.now().toString(36)}`;
  const one = async () => {
    while (!stop) {
      const id = `evt_${prefix}_${seq++}`;
      const body = body2k(id);
      const headers = signWebhook({ scheme: "stripe", payload: body, secret: SECRET });
      const t0 = performance.now();
      try {
        const res = await pool.request({ method: "POST", path: "/hooks", body, headers });
        await res.body.dump();
        if (measuring) {
          if (res.statusCode === 200) {
            acked++;
            latencies.push(performance.now() - t0);
          } else failed++;
        }
      } catch {
        if (measuring) failed++;
      }
    }
  };
  const workers = Array.from({ length: CONNECTIONS }, one);
  await new Promise((r) => setTimeout(r, WARMUP_MS));
  measuring = true;
  process.send?.({ phase: "start" });
  const start = performance.now();
  await new Promise((r) => setTimeout(r, MEASURE_MS));
  measuring = false;
  process.send?.({ phase: "end" });
  const elapsedMs = performance.now() - start;
  stop = true;
  await Promise.all(workers);
  await pool.close();
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? Number.NaN;
  const result: LoadResult = { acked, failed, elapsedMs, p50: q(0.5), p99: q(0.99) };
  process.send?.(result);
}

function runLoad(url: string): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), [], {
      execArgv: ["--import", "tsx"],
      env: { ...process.env, BALLAST_WEBHOOK_LOAD: url },
    });
    // The receiver runs in this process: its CPU time is sampled over the measured window.
    let cpuStart = 0;
    let cpuEnd = 0;
    const cpu = () => {
      const u = process.cpuUsage();
      return u.user + u.system;
    };
    child.on("message", (m: { phase?: string } & LoadResult) => {
      if (m.phase === "start") cpuStart = cpu();
      else if (m.phase === "end") cpuEnd = cpu();
      else resolve({ ...m, cpuUsPerEvent: (cpuEnd - cpuStart) / Math.max(1, m.acked) });
    });
    child.once("error", reject);
    child.once("exit", (code) => code !== 0 && reject(new Error(`load generator exited with ${code}`)));
  });
}

/** Verifies, then answers without storing: the ceiling. */
function noStoreInbox(): WebhookInbox {
  const none = async () => false;
  return {
    kind: "none",
    put: async () => "stored",
    claim: async () => [],
    complete: none,
    retry: none,
    deadLetter: none,
    get: async () => undefined,
    list: async () => [],
    replay: none,
    purge: async () => 0,
    close: async () => {},
  };
}

interface Variant {
  name: string;
  durable: string;
  make(): Promise<{ inbox: WebhookInbox; cleanup(): Promise<void> }>;
}

async function startReceiver(inbox: WebhookInbox): Promise<{ url: string; server: Server }> {
  const receiver = createWebhookReceiver({ scheme: "stripe", secret: SECRET, inbox, worker: false });
  const server = createServer(receiver.node);
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

export async function run(): Promise<string> {
  const loadBefore = loadavg()
    .map((n) => n.toFixed(2))
    .join(" / ");
  const dir = mkdtempSync(join(tmpdir(), "ballast-bench-inbox-"));
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 10 });
  let pgUp = true;
  try {
    await pool.query("SELECT 1");
  } catch {
    pgUp = false;
  }
  let k = 0;
  const sqlite = (name: string, durable: string, options: Parameters<typeof sqliteInbox>[1]): Variant => ({
    name,
    durable,
    async make() {
      const inbox = sqliteInbox(join(dir, `bench-${k++}.db`), options);
      return { inbox, cleanup: () => inbox.close() };
    },
  });
  const postgres = (name: string, options: Parameters<typeof postgresInbox>[1]): Variant => ({
    name,
    durable: "yes (synchronous_commit on)",
    async make() {
      const table = `bench_inbox_${process.pid}_${k++}`;
      const inbox = postgresInbox(pool, { ...options, table });
      return {
        inbox,
        cleanup: async () => {
          await inbox.close();
          await pool.query(`DROP TABLE IF EXISTS ${table}`);
        },
      };
    },
  });
  const variants: Variant[] = [
    { name: "verify, answer without storing (ceiling)", durable: "—", make: async () => ({ inbox: noStoreInbox(), cleanup: async () => {} }) },
    sqlite("SQLite WAL, synchronous=FULL, group commit (default)", "yes", {}),
    sqlite("SQLite WAL, synchronous=FULL, one commit per event", "yes", { groupCommit: false }),
    sqlite('SQLite WAL, synchronous=NORMAL, group commit (durability: "normal")', "no (power loss)", { durability: "normal" }),
    ...(pgUp
      ? [postgres("PostgreSQL, pool 10, group commit (default)", {}), postgres("PostgreSQL, pool 10, one INSERT per event", { groupCommit: false })]
      : []),
  ];
  const samples = variants.map(() => [] as LoadResult[]);
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (let j = 0; j < variants.length; j++) {
        const i = (j + round) % variants.length;
        const v = variants[i] as Variant;
        const { inbox, cleanup } = await v.make();
        const { url, server } = await startReceiver(inbox);
        try {
          const r = await runLoad(url);
          samples[i]?.push(r);
          console.error(
            `round ${round + 1} ${v.name}: ${Math.round((r.acked / r.elapsedMs) * 1000)}/s p50 ${r.p50.toFixed(1)} ms p99 ${r.p99.toFixed(1)} ms failed ${r.failed}`,
          );
        } finally {
          server.closeAllConnections();
          await new Promise((r) => server.close(r));
          await cleanup();
        }
      }
    }
  } finally {
    await pool.end();
    rmSync(dir, { recursive: true, force: true });
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  const ceiling = median((samples[0] ?? []).map((r) => (r.acked / r.elapsedMs) * 1000));
  const lines = [
    `${CONNECTIONS} connections from a separate process (undici Pool), unique signed 2 KB Stripe events, ${WARMUP_MS / 1000} s warm-up + ${MEASURE_MS / 1000} s measured, ` +
      `${ROUNDS} interleaved rounds, medians. Worker off: only acknowledgement (verify + commit + 200) is measured. ` +
      `Receiver CPU µs/event is the receiver process's CPU time over the measured window per acknowledged event (stable on a shared machine). ` +
      `Load average at the start: ${loadBefore}.${pgUp ? "" : " PostgreSQL did not answer: its rows are missing."}`,
    "",
    "| receiver | durable on power loss | acknowledged/s | vs ceiling | p50 ms | p99 ms | receiver CPU µs/event | failed |",
    "|---|---|---:|---:|---:|---:|---:|---:|",
  ];
  variants.forEach((v, i) => {
    const rs = samples[i] ?? [];
    const rate = median(rs.map((r) => (r.acked / r.elapsedMs) * 1000));
    lines.push(
      `| ${v.name} | ${v.durable} | ${Math.round(rate)} | ${(rate / ceiling).toFixed(2)}x | ${median(rs.map((r) => r.p50)).toFixed(1)} | ${median(rs.map((r) => r.p99)).toFixed(1)} | ${median(rs.map((r) => r.cpuUsPerEvent ?? Number.NaN)).toFixed(0)} | ${rs.reduce((a, r) => a + r.failed, 0)} |`,
    );
  });
  return lines.join("\n");
}

if (process.env.BALLAST_WEBHOOK_LOAD) {
  load(process.env.BALLAST_WEBHOOK_LOAD).then(
    () => process.exit(0),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
