/**
 * Starts bench/webhooks/receiver-process.ts: one receiver in a fresh process
 * (ballast compiled, or the hand-written baseline), optionally under a
 * wrapper command (valgrind), and talks to it over IPC.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export interface ReceiverSpec {
  /** "none": ballast verifying and answering without storing (the ceiling). */
  kind: "hand-written" | "none" | "sqlite" | "postgres";
  /** The inbox's options (sqliteInbox's or postgresInbox's). */
  options?: Record<string, unknown>;
  /** SQLite: the database file. */
  path?: string;
  /** PostgreSQL: where, and the inbox's table (the caller drops it). */
  databaseUrl?: string;
  table?: string;
}

/** What the receiver counted over a measured run (between start() and stop()). */
export interface ReceiverSample {
  acked: number;
  /** From the first to the last 2xx, ms. */
  elapsedMs: number;
  /** The receiver process's CPU time, all threads, µs. */
  cpuUs: number;
  loopP99: number;
  loopMax: number;
  /** Share of all the machine's cores busy over the same span (every process; Linux's /proc/stat), 0–1; undefined where not available. */
  machineBusy: number | undefined;
  /** Bytes the receiver process wrote to storage (Linux's /proc/self/io write_bytes: SQLite's WAL and checkpoints); undefined where not available. */
  writtenBytes?: number;
}

export interface ReceiverChild {
  url: string;
  pid: number;
  start(): void;
  stop(): Promise<ReceiverSample>;
  close(): Promise<void>;
}

const SCRIPT = fileURLToPath(new URL("./receiver-process.ts", import.meta.url));

function nextMessage<T>(child: ChildProcess, timeoutMs: number, stderr: () => string): Promise<T> {
  return new Promise((resolve, reject) => {
    // Whichever comes first removes the other two, so a late answer is not taken by a waiter that gave up.
    const done = () => {
      clearTimeout(timer);
      child.off("message", onMessage);
      child.off("exit", onExit);
    };
    const onMessage = (m: unknown) => {
      done();
      resolve(m as T);
    };
    const onExit = (code: number | null) => {
      done();
      reject(new Error(`receiver exited with ${code}\n${stderr()}`));
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`no answer from the receiver within ${timeoutMs} ms\n${stderr()}`));
    }, timeoutMs);
    child.on("message", onMessage);
    child.on("exit", onExit);
  });
}

/** `wrapper`: a command and its arguments to run node under (e.g. valgrind); it must exec node in the same process. */
export async function startReceiverChild(spec: ReceiverSpec, ballastSrc: string, secret: string, wrapper: string[] = []): Promise<ReceiverChild> {
  const node = [process.execPath, "--import", "tsx", SCRIPT, ballastSrc, secret, JSON.stringify(spec)];
  const [cmd, ...args] = [...wrapper, ...node] as [string, ...string[]];
  const child = spawn(cmd, args, { stdio: ["ignore", "ignore", "pipe", "ipc"] });
  let err = "";
  child.stderr?.on("data", (c: Buffer) => {
    err = (err + c).slice(-4000);
  });
  const stderr = () => err;
  // Under valgrind, starting node takes tens of seconds.
  const { port } = await nextMessage<{ port: number }>(child, wrapper.length > 0 ? 180_000 : 30_000, stderr);
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid as number,
    start: () => child.send("start"),
    stop() {
      const answer = nextMessage<ReceiverSample>(child, 60_000, stderr);
      child.send("stop");
      return answer;
    },
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.send("exit");
      const kill = setTimeout(() => child.kill("SIGKILL"), 30_000);
      await exited;
      clearTimeout(kill);
    },
  };
}
