/**
 * Instructions per delivery, counted by callgrind (valgrind): what one signed
 * Stripe event costs the receiver's process, all its threads, in machine
 * instructions: repeatable from run to run where wall-clock figures on this
 * machine move by 2x. Each receiver runs alone in its own process under
 * callgrind with instrumentation off; after a warm-up (the JIT settles),
 * counting is switched on for the measured deliveries only. Deliveries go one
 * at a time over one keep-alive connection, so a group commit holds a single
 * event: the storage rows are the unbatched worst case (the throughput suite
 * shows batching). ballast is loaded compiled, as the package ships.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { compileBallast } from "../http/compile-ballast.js";
import { signedRequest } from "../webhooks/load-generator.js";

export const title = "Webhooks: instructions per delivery (callgrind), ballast's receiver beside a hand-written one";

const SECRET = "whsec_receiver_bench";
const QUICK = process.env.BENCH_QUICK === "1";
const WARMUP = QUICK ? 300 : 3000;
const MEASURED = QUICK ? 200 : 3000;
const RECEIVERS = [
  { kind: "hand-written", name: "hand-written: node:http + node:crypto, verify, answer without storing (no ballast)" },
  { kind: "none", name: "ballast: verify, answer without storing" },
  { kind: "sqlite", name: "ballast + SQLite inbox (default: WAL fsynced before the 2xx)" },
  { kind: "postgres", name: "ballast + PostgreSQL inbox (default; the server's own work is not counted)" },
] as const;

/** The head and body of one signed delivery, for node:http. */
function delivery(id: string): { headers: Record<string, string>; body: Buffer } {
  const raw = signedRequest("127.0.0.1", SECRET, id);
  const split = raw.indexOf("\r\n\r\n");
  const headers: Record<string, string> = {};
  for (const line of raw.subarray(0, split).toString("latin1").split("\r\n").slice(1)) {
    const colon = line.indexOf(":");
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  delete headers.host;
  return { headers, body: raw.subarray(split + 4) };
}

function send(agent: Agent, port: number, id: string): Promise<void> {
  const { headers, body } = delivery(id);
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, method: "POST", path: "/hooks", agent, headers }, (res) => {
      res.resume();
      res.once("end", () => (res.statusCode === 200 ? resolve() : reject(new Error(`delivery ${id} answered ${res.statusCode}`))));
    });
    req.once("error", reject);
    req.end(body);
  });
}

function message<T>(child: ChildProcess, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no message from the receiver within ${timeoutMs} ms`)), timeoutMs);
    child.once("message", (m) => {
      clearTimeout(timer);
      resolve(m as T);
    });
    child.once("exit", (code) => reject(new Error(`receiver exited with ${code}`)));
  });
}

/** Instructions per delivery of one receiver kind (all threads of its process). */
async function count(kind: string, ballastSrc: string, outDir: string, tag: string): Promise<number> {
  const out = join(outDir, `${kind}.out`);
  const script = fileURLToPath(new URL("../webhooks/receiver-process.ts", import.meta.url));
  const child = spawn(
    "valgrind",
    [
      "--tool=callgrind",
      "--smc-check=all-non-file",
      "--instr-atstart=no",
      `--callgrind-out-file=${out}`,
      process.execPath,
      "--import",
      "tsx",
      script,
      kind,
      ballastSrc,
      SECRET,
    ],
    { stdio: ["ignore", "ignore", "pipe", "ipc"], env: process.env },
  );
  let stderr = "";
  child.stderr?.on("data", (c: Buffer) => {
    stderr = (stderr + c).slice(-4000);
  });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const { port } = await message<{ port: number }>(child, 180_000).catch((e: Error) => {
      throw new Error(`${e.message}\n${stderr}`);
    });
    for (let i = 0; i < WARMUP; i++) await send(agent, port, `evt_${tag}_${kind}_w${i}`);
    spawnSync("callgrind_control", ["--instr=on", String(child.pid)]);
    for (let i = 0; i < MEASURED; i++) await send(agent, port, `evt_${tag}_${kind}_m${i}`);
    spawnSync("callgrind_control", ["--dump", String(child.pid)]);
    let total = 0;
    for (const f of readdirSync(outDir).filter((n) => n.startsWith(`${kind}.out.`))) {
      const m = /^(?:summary|totals): (\d+)/m.exec(readFileSync(join(outDir, f), "utf8"));
      if (m) total = Math.max(total, Number(m[1]));
    }
    if (total === 0) throw new Error(`callgrind wrote no counts for ${kind}`);
    return total / MEASURED;
  } finally {
    agent.destroy();
    child.send?.("exit");
    const exited = new Promise((r) => child.once("exit", r));
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    await exited;
    clearTimeout(timer);
  }
}

export async function run(): Promise<string> {
  if (spawnSync("valgrind", ["--version"]).error) return "valgrind is not installed (`apt-get install valgrind`): not measured.";
  const version = spawnSync("valgrind", ["--version"], { encoding: "utf8" }).stdout.trim();
  const ballastSrc = compileBallast();
  const outDir = mkdtempSync(join(tmpdir(), "ballast-bench-callgrind-"));
  const tag = Date.now().toString(36);
  const counts = new Map<string, number>();
  try {
    for (const r of RECEIVERS) {
      counts.set(r.kind, await count(r.kind, ballastSrc, outDir, tag));
      console.error(`${r.kind}: ${((counts.get(r.kind) as number) / 1000).toFixed(1)}k instructions per delivery`);
    }
  } finally {
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
