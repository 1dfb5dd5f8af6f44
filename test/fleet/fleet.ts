/** Spawns and talks to fleet workers (worker.ts) as real, separate Node processes. */
import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { RunMessage } from "./worker.js";

const WORKER = fileURLToPath(new URL("./worker.ts", import.meta.url));

export interface FleetWorker {
  child: ChildProcess;
  /** Asks the worker to run a mode; `done` (or `failed`) follows. */
  run(m: Omit<RunMessage, "type">): void;
  /** Ends a running `client-rate` run after each loop's current call (its `done` follows). */
  stop(): void;
  /** Resolves with the first message of `type` from this worker. */
  next<T = Record<string, unknown>>(type: string): Promise<T>;
}

export function spawnWorker(env: Record<string, string>): FleetWorker {
  const child = fork(WORKER, [], {
    execPath: process.execPath,
    execArgv: ["--import", "tsx"],
    env: { ...process.env, ...env },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const inbox: Array<{ type: string }> = [];
  const waiting: Array<{ type: string; resolve: (m: never) => void }> = [];
  child.on("message", (m: { type: string }) => {
    const i = waiting.findIndex((w) => w.type === m.type || m.type === "failed");
    if (i === -1) inbox.push(m);
    else waiting.splice(i, 1)[0]?.resolve(m as never);
  });
  return {
    child,
    run(m) {
      child.send({ type: "run", ...m });
    },
    stop() {
      child.send({ type: "stop" });
    },
    next<T>(type: string): Promise<T> {
      const i = inbox.findIndex((m) => m.type === type || m.type === "failed");
      if (i !== -1) return Promise.resolve(inbox.splice(i, 1)[0] as T);
      return new Promise<T>((resolve) => waiting.push({ type, resolve: resolve as (m: never) => void }));
    },
  };
}

export function killAll(workers: ReadonlyArray<FleetWorker>): void {
  for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill("SIGKILL");
}

export interface TimedRun {
  start: number;
  until: number;
  done: Array<{ type: string; counts: Record<string, number>; error?: string }>;
}

/**
 * From the run message to the measured window: every worker has the message,
 * its loops are queued and the shared key's reservations reach a lookahead
 * ahead. A process's start is not the limiter's throughput.
 */
export const RAMP_MS = 300;

/**
 * Warms every worker up against `target` (its /warmup: behind an nginx judge, unjudged), then has all of them run `rate`
 * (limiter key `key`) at once; the measured window [`start`, `until`) opens `RAMP_MS` later and lasts `runMs`.
 * `atStart` learns the start time before the run begins.
 */
export async function timedRateRun(
  workers: ReadonlyArray<FleetWorker>,
  target: string,
  key: string,
  runMs: number,
  atStart?: (start: number) => void,
  run: { mode?: "rate" | "leases"; limit?: number; loops?: number; arrivalMargin?: number } = {},
): Promise<TimedRun> {
  for (const w of workers) w.run({ mode: "warm", target });
  await Promise.all(workers.map((w) => w.next("done")));
  const start = Date.now() + RAMP_MS;
  const until = start + runMs;
  atStart?.(start);
  for (const w of workers)
    w.run({
      mode: run.mode ?? "rate",
      target,
      key,
      until,
      ...(run.limit ? { limit: run.limit } : {}),
      ...(run.loops ? { loops: run.loops } : {}),
      ...(run.arrivalMargin !== undefined ? { arrivalMargin: run.arrivalMargin } : {}),
    });
  const done = await Promise.all(workers.map((w) => w.next<TimedRun["done"][number]>("done")));
  return { start, until, done };
}
