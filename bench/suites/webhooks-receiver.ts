/**
 * Issue 5: receiver throughput — events acknowledged per second and latency
 * (p50/p99) with the SQLite and PostgreSQL inboxes, 50 connections, 2 KB
 * signed Stripe events, load from a separate process — beside a receiver that
 * verifies and answers without storing (the ceiling). Only acknowledgement is
 * measured (worker off): a 2xx means the event is committed.
 *
 * The load comes from bench/webhooks/load-generator.ts in a child process.
 */
import { fork } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { createWebhookReceiver, postgresInbox, sqliteInbox, type WebhookInbox } from "../../src/webhooks/index.js";
import type { LoadResult, LoadSettings } from "../webhooks/load-generator.js";

export const title = "Webhooks: receiver throughput (acknowledged = durably stored), 50 connections, 2 KB events";

const SECRET = "whsec_receiver_bench";
const CONNECTIONS = 50;
const WARMUP_MS = 1500;
const MEASURE_MS = 4000;
const ROUNDS = 2;
const DATABASE_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

type Measured = LoadResult & {
  /** CPU time of the receiver process per acknowledged event, µs. */
  cpuUsPerEvent?: number;
  /** Event-loop delay of the receiver over the measured window (p99 and max, ms): how long other work on that loop may stall. */
  loopP99?: number;
  loopMax?: number;
};

function runLoad(url: string): Promise<Measured> {
  const settings: LoadSettings = { url, secret: SECRET, connections: CONNECTIONS, warmupMs: WARMUP_MS, measureMs: MEASURE_MS };
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(new URL("../webhooks/load-generator.ts", import.meta.url)), [], {
      execArgv: ["--import", "tsx"],
      env: { ...process.env, BALLAST_WEBHOOK_LOAD: JSON.stringify(settings) },
    });
    // The receiver runs in this process: its CPU time is sampled over the measured window.
    let cpuStart = 0;
    let cpuEnd = 0;
    const cpu = () => {
      const u = process.cpuUsage();
      return u.user + u.system;
    };
    const loop = monitorEventLoopDelay({ resolution: 1 });
    let loopP99 = Number.NaN;
    let loopMax = Number.NaN;
    child.on("message", (m: { phase?: string } & Measured) => {
      if (m.phase === "start") {
        cpuStart = cpu();
        loop.enable();
      } else if (m.phase === "end") {
        cpuEnd = cpu();
        loop.disable();
        loopP99 = loop.percentile(99) / 1e6;
        loopMax = loop.max / 1e6;
      } else resolve({ ...m, cpuUsPerEvent: (cpuEnd - cpuStart) / Math.max(1, m.acked), loopP99, loopMax });
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
    sqlite("SQLite WAL, group commit, WAL fsynced on the thread pool before the 2xx, checkpoints on a thread (default)", "yes", {}),
    sqlite('SQLite WAL, group commit, synchronous=FULL and checkpoints on the event loop (fsync: "inline", checkpoint: "inline")', "yes", {
      fsync: "inline",
      checkpoint: "inline",
    }),
    sqlite("SQLite WAL, synchronous=FULL, one commit per event (groupCommit: false)", "yes", { groupCommit: false, fsync: "inline" }),
    sqlite('SQLite WAL, synchronous=NORMAL, group commit (durability: "normal")', "no (power loss)", { durability: "normal" }),
    ...(pgUp
      ? [postgres("PostgreSQL, pool 10, group commit (default)", {}), postgres("PostgreSQL, pool 10, one INSERT per event", { groupCommit: false })]
      : []),
  ];
  const samples = variants.map(() => [] as Measured[]);
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
    `${CONNECTIONS} keep-alive connections from a separate process (raw node:net sockets, one request in flight each), unique signed 2 KB Stripe events, ${WARMUP_MS / 1000} s warm-up + ${MEASURE_MS / 1000} s measured, ` +
      `${ROUNDS} interleaved rounds, medians. Worker off: only acknowledgement (verify + commit + 200) is measured. ` +
      `Receiver CPU µs/event is the receiver process's CPU time (all its threads) over the measured window per acknowledged event. Event-loop delay (monitorEventLoopDelay, 1 ms resolution) shows how long the receiver's loop stalled: what any other route served by the same process would wait. ` +
      `Load average at the start: ${loadBefore}.${pgUp ? "" : " PostgreSQL did not answer: its rows are missing."}`,
    "",
    "| receiver | durable on power loss | acknowledged/s | vs ceiling | p50 ms | p99 ms | receiver CPU µs/event | event-loop delay p99 / max ms | failed |",
    "|---|---|---:|---:|---:|---:|---:|---:|---:|",
  ];
  variants.forEach((v, i) => {
    const rs = samples[i] ?? [];
    const rate = median(rs.map((r) => (r.acked / r.elapsedMs) * 1000));
    lines.push(
      `| ${v.name} | ${v.durable} | ${Math.round(rate)} | ${(rate / ceiling).toFixed(2)}x | ${median(rs.map((r) => r.p50)).toFixed(1)} | ${median(rs.map((r) => r.p99)).toFixed(1)} | ${median(rs.map((r) => r.cpuUsPerEvent ?? Number.NaN)).toFixed(0)} | ${median(rs.map((r) => r.loopP99 ?? Number.NaN)).toFixed(1)} / ${median(rs.map((r) => r.loopMax ?? Number.NaN)).toFixed(1)} | ${rs.reduce((a, r) => a + r.failed, 0)} |`,
    );
  });
  return lines.join("\n");
}
