/**
 * Issue 5: receiver throughput — events acknowledged per second and latency
 * (p50/p99) with the SQLite and PostgreSQL inboxes, 50 connections, 2 KB
 * signed Stripe events, load from a separate process — beside a receiver that
 * verifies and answers without storing (the ceiling). Only acknowledgement is
 * measured (worker off): a 2xx means the event is committed.
 *
 * The load comes from wrk (bench/webhooks/wrk-load.ts) when it is installed,
 * else from bench/webhooks/load-generator.ts in a child process (which then
 * takes much of the second core and lowers every figure). Throughput is
 * counted by the receiver itself: 2xx answers over the span from the first to
 * the last in the measured run; latency is the load generator's. Each run's
 * receiver is a fresh process of its own (bench/webhooks/receiver-process.ts),
 * as in production: ballast compiled to JavaScript as the package ships (see
 * bench/http/compile-ballast.ts), or a hand-written receiver as the baseline
 * (bench/webhooks/hand-written-receiver.ts).
 */
import { fork } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import type { PostgresInboxOptions, SqliteInboxOptions } from "../../src/webhooks/index.js";
import { compileBallast } from "../http/compile-ballast.js";
import type { LoadResult, LoadSettings } from "../webhooks/load-generator.js";
import { type ReceiverChild, type ReceiverSample, type ReceiverSpec, startReceiverChild } from "../webhooks/receiver-child.js";
import { runWrk, writeRequests, wrkVersion } from "../webhooks/wrk-load.js";

export const title = "Webhooks: receiver throughput (acknowledged = durably stored), 50 connections, 2 KB events";

const SECRET = "whsec_receiver_bench";
const CONNECTIONS = 50;
const WARMUP_S = 2;
const MEASURE_S = process.env.BENCH_QUICK === "1" ? 2 : 4;
const ROUNDS = process.env.BENCH_QUICK === "1" ? 1 : 3;
/** The paced runs offer this share of the ceiling's full-load rate (issue 16: durable acks at ≥ 0.8x the ceiling, p99 ≤ 10 ms). */
const PACED_SHARE = 0.8;
/** A paced run kept up when the receiver acknowledged at least this share of the offered rate. */
const KEPT_UP = 0.97;
/** Unique events written per second of load for wrk: above the fastest receiver here (the ceiling). */
const EVENTS_PER_S = 45_000;
const DATABASE_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

interface Measured {
  acked: number;
  /** From the first to the last 2xx of the measured run, ms. */
  elapsedMs: number;
  failed: number;
  p50: number;
  p99: number;
  /** CPU time of the receiver process (all its threads) per acknowledged event, µs. */
  cpuUsPerEvent: number;
  /** Event-loop delay of the receiver over the measured run (p99 and max, ms): how long other work on that loop may stall. */
  loopP99: number;
  loopMax: number;
  /** Share of all the machine's cores busy (every process) over the measured run, 0–1; undefined off Linux. */
  machineBusy: number | undefined;
  /** wrk ran out of unique events (it then sent duplicates, answered without storing). */
  ranOut: boolean;
  /** Paced runs: sends that went more than 1 ms behind their slot (every connection was busy), of `sent` (wrk's answered requests). */
  late: number;
  sent: number;
  /** Bytes written to storage per acknowledged event: SQLite's by the receiver process, PostgreSQL's WAL by the server; undefined where not measured. */
  writtenPerEvent?: number;
}

/** Bytes the store's server wrote between two readings of `serverWrites`: 0 for an embedded store (none), undefined when its counter could not be read. */
function serverWritten(
  serverWrites: (() => Promise<number | undefined>) | undefined,
  before: number | undefined,
  after: number | undefined,
): number | undefined {
  if (serverWrites === undefined) return 0;
  return before !== undefined && after !== undefined ? after - before : undefined;
}

/** `serverBytes`: what serverWritten() found for the run. */
function result(
  sample: ReceiverSample,
  rest: Pick<Measured, "failed" | "p50" | "p99" | "ranOut" | "late" | "sent">,
  serverBytes: number | undefined = 0,
): Measured {
  const written = sample.writtenBytes === undefined || serverBytes === undefined ? undefined : sample.writtenBytes + serverBytes;
  return {
    ...rest,
    ...(written !== undefined && { writtenPerEvent: written / Math.max(1, sample.acked) }),
    acked: sample.acked,
    elapsedMs: sample.elapsedMs,
    cpuUsPerEvent: sample.cpuUs / Math.max(1, sample.acked),
    loopP99: sample.loopP99,
    loopMax: sample.loopMax,
    machineBusy: sample.machineBusy,
  };
}

/** Files of unique signed events for one round: every receiver of the round gets the same ones (each stores into a fresh table). */
interface RoundEvents {
  warmup: string;
  measure: string;
}

/**
 * Warm-up at full load, then the measured run: at full load, or paced to `rate` events/s. `serverWrites`
 * reads a counter of bytes the store's server wrote (PostgreSQL's WAL), before and after the measured run.
 */
async function loadWithWrk(receiver: ReceiverChild, events: RoundEvents, rate?: number, serverWrites?: () => Promise<number | undefined>): Promise<Measured> {
  await runWrk(receiver.url, events.warmup, CONNECTIONS, WARMUP_S);
  const before = await serverWrites?.();
  receiver.start();
  const r = await runWrk(receiver.url, events.measure, CONNECTIONS, MEASURE_S, rate);
  const sample = await receiver.stop();
  const after = await serverWrites?.();
  const rest = { failed: r.non2xx + r.socketErrors, p50: r.p50Us / 1000, p99: r.p99Us / 1000, ranOut: r.wrapped > 0, late: r.late, sent: r.requests };
  return result(sample, rest, serverWritten(serverWrites, before, after));
}

function loadWithNode(receiver: ReceiverChild, serverWrites?: () => Promise<number | undefined>): Promise<Measured> {
  const settings: LoadSettings = { url: receiver.url, secret: SECRET, connections: CONNECTIONS, warmupMs: WARMUP_S * 1000, measureMs: MEASURE_S * 1000 };
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(new URL("../webhooks/load-generator.ts", import.meta.url)), [], {
      execArgv: ["--import", "tsx"],
      env: { ...process.env, BALLAST_WEBHOOK_LOAD: JSON.stringify(settings) },
    });
    let before: Promise<number | undefined> | undefined;
    let measured: Promise<[ReceiverSample, number | undefined, number | undefined]> | undefined;
    child.on("message", (m: { phase?: string } & LoadResult) => {
      if (m.phase === "start") {
        before = serverWrites?.();
        receiver.start();
      } else if (m.phase === "end") measured = Promise.all([receiver.stop(), before, serverWrites?.()]);
      else if (measured) {
        const rest = { failed: m.failed, p50: m.p50, p99: m.p99, ranOut: false, late: 0, sent: 0 };
        measured.then(([sample, b, a]) => resolve(result(sample, rest, serverWritten(serverWrites, b, a))), reject);
      }
    });
    child.once("error", reject);
    child.once("exit", (code) => code !== 0 && reject(new Error(`load generator exited with ${code}`)));
  });
}

interface Variant {
  name: string;
  durable: string;
  /** The receiver to start for one run, and what to drop after it. */
  make(): { spec: ReceiverSpec; cleanup(): Promise<void> };
  /** Bytes the store's server has written so far (PostgreSQL: pg_stat_wal's WAL bytes). */
  serverWrites?: () => Promise<number | undefined>;
}

export async function run(): Promise<string> {
  const loadBefore = loadavg()
    .map((n) => n.toFixed(2))
    .join(" / ");
  const ballastSrc = compileBallast();
  const dir = mkdtempSync(join(tmpdir(), "ballast-bench-inbox-"));
  // wrk's input (hundreds of MB of events a round) goes to memory where there is a tmpfs: written to the disk,
  // its writeback would compete with the inboxes' fsyncs during the measured runs.
  const eventsDir = mkdtempSync(join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), "ballast-bench-events-"));
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 10 });
  let pgUp = true;
  try {
    await pool.query("SELECT 1");
  } catch {
    pgUp = false;
  }
  let k = 0;
  const nothing = async () => {};
  const sqlite = (name: string, durable: string, options: SqliteInboxOptions): Variant => ({
    name,
    durable,
    make: () => ({ spec: { kind: "sqlite", path: join(dir, `bench-${k++}.db`), options: { ...options } }, cleanup: nothing }),
  });
  // The server's WAL bytes; nothing else writes to this server while a receiver runs. pg_stat_wal is PostgreSQL 14+:
  // before that the column shows "—".
  const walBytes = async () => {
    const rows = await pool.query<{ b: string }>("SELECT wal_bytes::text AS b FROM pg_stat_wal").then(
      (r) => r.rows,
      () => [],
    );
    return rows[0] === undefined ? undefined : Number(rows[0].b);
  };
  const postgres = (name: string, options: PostgresInboxOptions): Variant => ({
    name,
    durable: "yes (synchronous_commit on)",
    serverWrites: walBytes,
    make() {
      const table = `bench_inbox_${process.pid}_${k++}`;
      return {
        spec: { kind: "postgres", databaseUrl: DATABASE_URL, table, options: { ...options } },
        cleanup: async () => void (await pool.query(`DROP TABLE IF EXISTS ${table}`)),
      };
    },
  });
  const variants: Variant[] = [
    { name: "verify, answer without storing (ceiling)", durable: "—", make: () => ({ spec: { kind: "none" }, cleanup: nothing }) },
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
    {
      name: "hand-written: node:http + node:crypto, verify, answer without storing (no ballast)",
      durable: "—",
      make: () => ({ spec: { kind: "hand-written" }, cleanup: nothing }),
    },
  ];
  const CEILING = 0;
  const SQLITE_DEFAULT = 1;
  const POSTGRES_DEFAULT = pgUp ? 5 : -1;
  const HAND_WRITTEN = variants.length - 1;
  const wrk = wrkVersion();
  /** `ROUNDS` interleaved rounds over `which` (indexes into variants), each fed the same fresh events; samples per variant. */
  const measure = async (which: number[], pacedRate?: number): Promise<Measured[][]> => {
    const samples = variants.map(() => [] as Measured[]);
    for (let round = 0; round < ROUNDS; round++) {
      let events: RoundEvents | undefined;
      if (wrk) {
        events = { warmup: join(eventsDir, `warmup-${round}.bin`), measure: join(eventsDir, `measure-${round}.bin`) };
        writeRequests(events.warmup, "127.0.0.1", SECRET, EVENTS_PER_S * WARMUP_S, `r${round}w${pacedRate ?? ""}`);
        writeRequests(events.measure, "127.0.0.1", SECRET, EVENTS_PER_S * MEASURE_S, `r${round}m${pacedRate ?? ""}`);
      }
      for (let j = 0; j < which.length; j++) {
        const i = which[(j + round) % which.length] as number;
        const v = variants[i] as Variant;
        const { spec, cleanup } = v.make();
        const receiver = await startReceiverChild(spec, ballastSrc, SECRET);
        try {
          const r = events ? await loadWithWrk(receiver, events, pacedRate, v.serverWrites) : await loadWithNode(receiver, v.serverWrites);
          samples[i]?.push(r);
          console.error(
            `round ${round + 1}${pacedRate ? ` paced ${pacedRate}/s` : ""} ${v.name}: ${Math.round(rate(r))}/s p50 ${r.p50.toFixed(1)} ms p99 ${r.p99.toFixed(1)} ms failed ${r.failed}${r.late ? ` late ${r.late}` : ""}${r.ranOut ? " (ran out of unique events)" : ""}`,
          );
        } finally {
          await receiver.close();
          await cleanup();
        }
      }
      if (events) for (const f of [events.warmup, events.measure]) rmSync(f, { force: true });
    }
    return samples;
  };
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  let samples: Measured[][] = [];
  let paced: Measured[][] = [];
  let pacedRate = 0;
  let ownPaced: Measured[] = [];
  let ownRate = 0;
  try {
    samples = await measure(variants.map((_, i) => i));
    // Latency at a fixed rate of 0.8x the ceiling, for every receiver that sustained it at full load:
    // at full load a closed loop of 50 connections keeps the receiver saturated, and p99 measures that queue.
    pacedRate = Math.round(PACED_SHARE * median((samples[CEILING] ?? []).map(rate)));
    const sustained = variants.map((_, i) => i).filter((i) => median((samples[i] ?? []).map(rate)) >= pacedRate);
    if (wrk) paced = await measure(sustained, pacedRate);
    // The machine's own check of the p99 target: the hand-written receiver at 0.8x of its own full-load rate.
    ownRate = Math.round(PACED_SHARE * median((samples[HAND_WRITTEN] ?? []).map(rate)));
    if (wrk) ownPaced = (await measure([HAND_WRITTEN], ownRate))[HAND_WRITTEN] ?? [];
  } finally {
    await pool.end();
    rmSync(dir, { recursive: true, force: true });
    rmSync(eventsDir, { recursive: true, force: true });
  }
  const rates = samples.map((rs) => median(rs.map(rate)));
  const ceilingRuns = samples[CEILING] ?? [];
  /** vs ceiling: the median over rounds of each round's rate ÷ the ceiling's in the same round (paired, as the HTTP suite does). */
  const vsCeiling = (i: number) => median((samples[i] ?? []).map((m, r) => rate(m) / rate(ceilingRuns[r] as Measured)));
  const load = wrk
    ? `${wrk} (one thread; Debian's \`wrk\` package)`
    : "bench/webhooks/load-generator.ts (raw node:net sockets; wrk was not found: `apt-get install wrk` for figures that the load generator does not cap)";
  const lines = [
    `${CONNECTIONS} keep-alive connections from a separate process, ${load}, one request in flight each, to a receiver started in a fresh process of its own for each run; unique signed 2 KB Stripe events; ${WARMUP_S} s warm-up + ${MEASURE_S} s measured per receiver, ` +
      `${ROUNDS} interleaved rounds, medians; "vs ceiling" is the median of each round's ratio to the ceiling of the same round. Worker off: only acknowledgement (verify + commit + 200) is measured. ` +
      "Acknowledged/s is counted by the receiver (2xx answers from the first to the last of the measured run); p50/p99 are the load generator's. " +
      `Receiver CPU µs/event is the receiver process's CPU time (all its threads) over the measured run per acknowledged event. ` +
      "Written KB/event: bytes written to storage per acknowledged event over the measured run — for SQLite by the receiver process (its WAL and the checkpoints into the database file, Linux's write_bytes), for PostgreSQL the server's WAL (pg_stat_wal; its data files are written later, by its checkpointer). " +
      `Event-loop delay (monitorEventLoopDelay, 1 ms resolution) shows how long the receiver's loop stalled: what any other route served by the same process would wait. ` +
      `Machine busy: the share of all ${cpus().length} cores busy over the measured run, every process counted (receiver, load generator, database server; Linux's /proc/stat): at 100 % the machine itself is the bound. ` +
      `Load average at the start: ${loadBefore}.${pgUp ? "" : " PostgreSQL did not answer: its rows are missing."}`,
    "",
    "| receiver | durable on power loss | acknowledged/s | vs ceiling | p50 ms | p99 ms | receiver CPU µs/event | event-loop delay p99 / max ms | failed | written KB/event | machine busy |",
    "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  /** Paced runs' late sends over all rounds, and their share of what was sent. */
  const lateCell = (rs: Measured[]) => {
    const late = rs.reduce((a, m) => a + m.late, 0);
    const sent = rs.reduce((a, m) => a + m.sent, 0);
    return sent > 0 ? `${late} (${Math.round((late / sent) * 100)} %)` : `${late}`;
  };
  // The cells both tables share: a run's latency (wrk's), and the receiver's CPU, event-loop delay and failures.
  const latencyCells = (rs: Measured[]) => `${median(rs.map((m) => m.p50)).toFixed(1)} | ${median(rs.map((m) => m.p99)).toFixed(1)}`;
  const receiverCells = (rs: Measured[]) =>
    `${median(rs.map((m) => m.cpuUsPerEvent)).toFixed(0)} | ${median(rs.map((m) => m.loopP99)).toFixed(1)} / ${median(rs.map((m) => m.loopMax)).toFixed(1)} | ${rs.reduce((a, m) => a + m.failed, 0)}`;
  const busyCell = (rs: Measured[]) => {
    const bs = rs.flatMap((m) => (m.machineBusy === undefined ? [] : [m.machineBusy]));
    return bs.length === 0 ? "—" : `${Math.round(median(bs) * 100)} %`;
  };
  const writtenCell = (rs: Measured[]) => {
    const ws = rs.flatMap((m) => (m.writtenPerEvent === undefined ? [] : [m.writtenPerEvent]));
    return ws.length === 0 ? "—" : (median(ws) / 1024).toFixed(1);
  };
  variants.forEach((v, i) => {
    const rs = samples[i] ?? [];
    const r = rates[i] as number;
    const ranOut = rs.some((m) => m.ranOut) ? " (ran out of unique events: duplicates counted)" : "";
    lines.push(
      `| ${v.name}${ranOut} | ${v.durable} | ${Math.round(r)} | ${vsCeiling(i).toFixed(2)}x | ${latencyCells(rs)} | ${receiverCells(rs)} | ${writtenCell(rs)} | ${busyCell(rs)} |`,
    );
  });
  const pacedP99s = paced.map((rs) => (rs.length > 0 ? median(rs.map((r) => r.p99)) : Number.NaN));
  const keptUpAt = (rs: Measured[], offered: number) => rs.length > 0 && median(rs.map(rate)) >= KEPT_UP * offered;
  const keptUp = (i: number) => keptUpAt(paced[i] ?? [], pacedRate);
  if (wrk) {
    lines.push(
      "",
      `**At a fixed rate: ${pacedRate}/s offered, ${PACED_SHARE}x the ceiling's full-load rate above.** At full load the 50 connections keep every receiver saturated, so p99 there is the length of that queue (the ceiling's own included). ` +
        `Here wrk paces its sends to a fixed schedule (bench/webhooks/wrk-requests.lua: each send takes the next slot, ${(1000 / pacedRate).toFixed(3)} ms apart, on the monotonic clock) over the same 50 connections, ${ROUNDS} interleaved rounds, medians; ` +
        "latency is then what one event waits for its acknowledgement at that rate. A receiver that did not reach the rate at full load is not paced. " +
        `Late sends: sends more than 1 ms behind their slot because all 50 connections were waiting for answers (wrk times a request from its actual send, so these would hide queueing), over the measured runs of all rounds, and their share of the requests sent; kept up: acknowledged ≥ ${KEPT_UP * 100} % of the offered rate.`,
      "",
      "| receiver | acknowledged/s | kept up | p50 ms | p99 ms | late sends | receiver CPU µs/event | event-loop delay p99 / max ms | failed | machine busy |",
      "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    );
    variants.forEach((v, i) => {
      const rs = paced[i] ?? [];
      if (rs.length === 0) {
        lines.push(`| ${v.name} | — | no (${Math.round(rates[i] as number)}/s at full load) | | | | | | | |`);
        return;
      }
      lines.push(
        `| ${v.name} | ${Math.round(median(rs.map(rate)))} | ${keptUp(i) ? "yes" : "no"} | ${latencyCells(rs)} | ${lateCell(rs)} | ${receiverCells(rs)} | ${busyCell(rs)} |`,
      );
    });
    if (ownPaced.length > 0) {
      lines.push(
        `| hand-written, at ${PACED_SHARE}x its own full-load rate (${ownRate}/s offered) | ${Math.round(median(ownPaced.map(rate)))} | ${keptUpAt(ownPaced, ownRate) ? "yes" : "no"} | ${latencyCells(ownPaced)} | ${lateCell(ownPaced)} | ${receiverCells(ownPaced)} | ${busyCell(ownPaced)} |`,
      );
    }
  }
  const handWritten = samples[HAND_WRITTEN] ?? [];
  if (handWritten.length > 0 && ceilingRuns.length > 0) {
    const cpu = (rs: Measured[]) => median(rs.map((m) => m.cpuUsPerEvent)).toFixed(0);
    const ownP99 =
      ownPaced.length > 0 ? `p99 ${median(ownPaced.map((m) => m.p99)).toFixed(1)} ms${keptUpAt(ownPaced, ownRate) ? "" : " (did not keep up)"}` : "not paced";
    lines.push(
      "",
      `What ballast's receiver costs: without storage it acknowledges ${median(ceilingRuns.map((m, r) => rate(m) / rate(handWritten[r] as Measured))).toFixed(2)}x the hand-written receiver's rate (paired per round), ` +
        `${cpu(ceilingRuns)} against ${cpu(handWritten)} µs of receiver CPU per event. The machine's own check of the p99 target: the hand-written receiver at ${PACED_SHARE}x its own full-load rate (${ownRate}/s): ${ownP99}.`,
    );
  }
  // Issue 16's target for the durable defaults (SQLite synchronous=FULL semantics, PostgreSQL synchronous_commit on):
  // at full load at least 0.8x the ceiling measured in this run; at 0.8x the ceiling's rate, kept up with p99 at most 10 ms.
  const target = (label: string, i: number) => {
    if (samples[i]?.length === 0 || rates[i] === undefined) return `- ${label}: not measured`;
    const ratio = vsCeiling(i);
    const p99 = pacedP99s[i] ?? Number.NaN;
    const ok = ratio >= PACED_SHARE && keptUp(i) && p99 <= 10;
    const at = Number.isNaN(p99) ? "not paced" : `p99 ${p99.toFixed(1)} ms at ${pacedRate}/s${keptUp(i) ? "" : " (did not keep up)"}`;
    return `- ${label}: ${Math.round(rates[i] as number)}/s at full load, ${ratio.toFixed(2)}x the ceiling (paired per round); ${at} (target ≥ ${PACED_SHARE.toFixed(2)}x, p99 ≤ 10 ms at ${PACED_SHARE}x the ceiling's rate) — **${ok ? "met" : "not met"}**`;
  };
  lines.push("", "Targets (durable defaults):", target("SQLite", SQLITE_DEFAULT), pgUp ? target("PostgreSQL", POSTGRES_DEFAULT) : "- PostgreSQL: not measured");
  return lines.join("\n");
}

function rate(m: Measured): number {
  return m.elapsedMs > 0 ? ((m.acked - 1) / m.elapsedMs) * 1000 : 0;
}
