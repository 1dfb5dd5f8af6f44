/**
 * Starting the benchmark's processes: the server pinned to one core, each
 * client run pinned to the other, with `taskset` (util-linux) when it exists.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ScenarioResult, WorkerConfig } from "./worker.js";

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, "..", "..");

export interface Pinning {
  /** `taskset` arguments for the server and for clients; empty when not pinned. */
  server: string[];
  client: string[];
  /** One line for the report. */
  note: string;
}

export function detectPinning(): Pinning {
  const unpinned = (why: string): Pinning => ({ server: [], client: [], note: `Processes are **not pinned** (${why}); client and server share cores.` });
  if (availableParallelism() < 2) return unpinned("fewer than 2 CPUs");
  const probe = spawnSync("taskset", ["-c", "1", "true"]);
  if (probe.error !== undefined || probe.status !== 0) return unpinned("`taskset` not available; install util-linux");
  return {
    server: ["-c", "1"],
    client: ["-c", "0"],
    note: "Server pinned to CPU 1 and each client run to CPU 0 (`taskset`), one fresh process per run.",
  };
}

/** `node --import tsx <script> ...args` (`script` relative to bench/http/), under `taskset` when pinned. */
function spawnTs(pin: string[], script: string, args: string[]): ChildProcess {
  const nodeArgs = ["--import", "tsx", join(here, script), ...args];
  const [cmd, argv] = pin.length > 0 ? ["taskset", [...pin, process.execPath, ...nodeArgs]] : [process.execPath, nodeArgs];
  return spawn(cmd, argv, { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
}

function collect(stream: NodeJS.ReadableStream | null): { text: () => string } {
  let text = "";
  stream?.setEncoding("utf8");
  stream?.on("data", (c: string) => {
    text += c;
  });
  return { text: () => text };
}

export interface RunningServer {
  baseUrl: string;
  stop(): void;
}

/**
 * Starts a server process on the server's core: `script` (relative to
 * bench/http/, default the benchmark server) prints `{"port":N}` on stdout once
 * listening.
 */
export function startServer(pinning: Pinning, script = "server.ts", args: string[] = []): Promise<RunningServer> {
  const child = spawnTs(pinning.server, script, args);
  const stderr = collect(child.stderr);
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => fail(new Error("server did not start within 15 s")), 15_000);
    function fail(err: Error): void {
      clearTimeout(timer);
      child.kill();
      reject(new Error(`${err.message}\n${stderr.text()}`));
    }
    child.on("error", fail);
    child.on("exit", (code) => fail(new Error(`server exited with ${code}`)));
    child.stdout?.setEncoding("utf8");
    child.stdout?.on("data", (c: string) => {
      out += c;
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (line === undefined) return;
      clearTimeout(timer);
      child.removeAllListeners("exit");
      const { port } = JSON.parse(line) as { port: number };
      resolve({ baseUrl: `http://127.0.0.1:${port}`, stop: () => child.kill() });
    });
  });
}

/** Runs one worker process to completion; rejects with its stderr when it fails. */
export function runWorker(pinning: Pinning, config: WorkerConfig): Promise<ScenarioResult[]> {
  return runClient(pinning, "worker.ts", config, config.contender);
}

/**
 * Runs a client process on the client's core to completion: `script` (relative
 * to bench/http/) gets `config` as JSON in argv[2] and prints one
 * `RESULT {json}` line; rejects with its stderr when it fails.
 */
export function runClient<T>(pinning: Pinning, script: string, config: unknown, label: string): Promise<T> {
  const child = spawnTs(pinning.client, script, [JSON.stringify(config)]);
  const stdout = collect(child.stdout);
  const stderr = collect(child.stderr);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code) => {
      const line = stdout
        .text()
        .split("\n")
        .find((l) => l.startsWith("RESULT "));
      if (code === 0 && line !== undefined) resolve(JSON.parse(line.slice("RESULT ".length)) as T);
      else reject(new Error(`${label} worker exited with ${code}: ${stderr.text().trim().split("\n").slice(0, 8).join("\n")}`));
    });
  });
}
