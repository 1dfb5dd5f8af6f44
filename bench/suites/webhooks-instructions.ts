/**
 * Instructions per delivery, counted by callgrind (valgrind): what one signed
 * Stripe event costs the receiver's process, all its threads, in machine
 * instructions: repeatable from run to run where wall-clock figures on this
 * machine move by 2x. Each receiver runs alone in its own process under
 * callgrind with instrumentation off; after a warm-up (the JIT settles),
 * counting is switched on for the measured deliveries only. Deliveries go one
 * at a time over one keep-alive connection (the load generator's raw request bytes), so a group commit holds a single
 * event: the storage rows are the unbatched worst case (the throughput suite
 * shows batching). ballast is loaded compiled, as the package ships.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { compileBallast } from "../http/compile-ballast.js";
import { ResponseReader, signedRequest } from "../webhooks/load-generator.js";
import { type ReceiverSpec, startReceiverChild } from "../webhooks/receiver-child.js";

export const title = "Webhooks: instructions per delivery (callgrind), ballast's receiver beside a hand-written one";

const SECRET = "whsec_receiver_bench";
const DATABASE_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const QUICK = process.env.BENCH_QUICK === "1";
const WARMUP = QUICK ? 300 : 3000;
const MEASURED = QUICK ? 200 : 3000;
const RECEIVERS = [
  { kind: "hand-written", name: "hand-written: node:http + node:crypto, verify, answer without storing (no ballast)" },
  { kind: "none", name: "ballast: verify, answer without storing" },
  { kind: "sqlite", name: "ballast + SQLite inbox (default: WAL fsynced before the 2xx)" },
  { kind: "postgres", name: "ballast + PostgreSQL inbox (default; the server's own work is not counted)" },
] as const;

/** Sends one signed delivery on the keep-alive socket and waits for its answer, which must be 200. */
async function send(socket: Socket, reader: ResponseReader, id: string): Promise<void> {
  socket.write(signedRequest("127.0.0.1", SECRET, id));
  const status = await reader.next();
  if (status !== 200) throw new Error(`delivery ${id} answered ${status}`);
}

/** Instructions per delivery of one receiver (all threads of its process). */
async function count(spec: ReceiverSpec, ballastSrc: string, outDir: string, tag: string): Promise<number> {
  const out = join(outDir, `${spec.kind}.out`);
  const valgrind = ["valgrind", "--tool=callgrind", "--smc-check=all-non-file", "--instr-atstart=no", `--callgrind-out-file=${out}`];
  const receiver = await startReceiverChild(spec, ballastSrc, SECRET, valgrind);
  const socket = await new Promise<Socket>((resolve, reject) => {
    const s = connect({ host: "127.0.0.1", port: Number(new URL(receiver.url).port), noDelay: true }, () => resolve(s));
    s.once("error", reject);
  });
  const reader = new ResponseReader(socket);
  try {
    for (let i = 0; i < WARMUP; i++) await send(socket, reader, `evt_${tag}_${spec.kind}_w${i}`);
    spawnSync("callgrind_control", ["--instr=on", String(receiver.pid)]);
    for (let i = 0; i < MEASURED; i++) await send(socket, reader, `evt_${tag}_${spec.kind}_m${i}`);
    spawnSync("callgrind_control", ["--dump", String(receiver.pid)]);
    let total = 0;
    for (const f of readdirSync(outDir).filter((n) => n.startsWith(`${spec.kind}.out.`))) {
      const m = /^(?:summary|totals): (\d+)/m.exec(readFileSync(join(outDir, f), "utf8"));
      if (m) total = Math.max(total, Number(m[1]));
    }
    if (total === 0) throw new Error(`callgrind wrote no counts for ${spec.kind}`);
    return total / MEASURED;
  } finally {
    socket.destroy();
    await receiver.close();
  }
}

export async function run(): Promise<string> {
  const valgrind = spawnSync("valgrind", ["--version"], { encoding: "utf8" });
  if (valgrind.error) return "valgrind is not installed (`apt-get install valgrind`): not measured.";
  const version = valgrind.stdout.trim();
  const ballastSrc = compileBallast();
  const outDir = mkdtempSync(join(tmpdir(), "ballast-bench-callgrind-"));
  const tag = Date.now().toString(36);
  const counts = new Map<string, number>();
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
  const table = `bench_receiver_${process.pid}`;
  const specs: Record<(typeof RECEIVERS)[number]["kind"], ReceiverSpec> = {
    "hand-written": { kind: "hand-written" },
    none: { kind: "none" },
    sqlite: { kind: "sqlite", path: join(outDir, "inbox.db") },
    postgres: { kind: "postgres", databaseUrl: DATABASE_URL, table },
  };
  try {
    for (const r of RECEIVERS) {
      counts.set(r.kind, await count(specs[r.kind], ballastSrc, outDir, tag));
      console.error(`${r.kind}: ${((counts.get(r.kind) as number) / 1000).toFixed(1)}k instructions per delivery`);
    }
  } finally {
    await pool.query(`DROP TABLE IF EXISTS ${table}`).catch(() => {});
    await pool.end();
    rmSync(outDir, { recursive: true, force: true });
  }
  const base = counts.get("hand-written") as number;
  const lines = [
    `${version} (callgrind), Node ${process.version}. One receiver process at a time; ${WARMUP} deliveries of warm-up uncounted, then ${MEASURED} counted, one at a time over one keep-alive connection ` +
      "(unique signed 2 KB Stripe events, every one answered 200). Instructions of the receiver's process, all its threads, per delivery, garbage collection included; " +
      "a PostgreSQL row counts the client side only (the server's backends are other processes).",
    "",
    "| receiver | instructions per delivery | × hand-written |",
    "|---|--:|--:|",
    ...RECEIVERS.map((r) => {
      const n = counts.get(r.kind) as number;
      return `| ${r.name} | ${(n / 1000).toFixed(1)}k | ${(n / base).toFixed(2)} |`;
    }),
  ];
  return lines.join("\n");
}
