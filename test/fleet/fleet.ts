/** Spawns and talks to fleet workers (worker.ts) as real, separate Node processes. */
import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";

const WORKER = fileURLToPath(new URL("./worker.ts", import.meta.url));

export interface FleetWorker {
  child: ChildProcess;
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
