import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

/**
 * WAL checkpoints on a worker thread with its own connection. A checkpoint
 * copies the WAL's pages into the database file and fsyncs both; run by the
 * writing connection (SQLite's auto-checkpoint) it stops the event loop for
 * milliseconds every few thousand events. A PASSIVE checkpoint from another
 * connection never blocks the writer, and the writer still restarts the WAL
 * from its beginning once everything in it has been copied, so the WAL stays
 * small.
 */
export interface Checkpointer {
  /** Stops the thread (after a last checkpoint). */
  close(): Promise<void>;
}

/** The thread's code: CommonJS, evaluated (so it runs the same from src/ under tsx and from dist/). */
const THREAD = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.module);
const db = new Database(workerData.path);
// NORMAL in WAL mode: each checkpoint syncs the WAL before copying and the database file after,
// and only then lets the writer reuse the WAL from its beginning.
db.pragma("synchronous = NORMAL");
let timer;
const checkpoint = () => {
  try {
    db.pragma("wal_checkpoint(PASSIVE)");
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message || error) });
  }
};
const loop = () => {
  checkpoint();
  timer = setTimeout(loop, workerData.everyMs);
};
timer = setTimeout(loop, workerData.everyMs);
parentPort.on("message", (m) => {
  if (m !== "close") return;
  clearTimeout(timer);
  checkpoint();
  db.close();
  parentPort.close();
});
`;

export function startCheckpointer(path: string, everyMs: number, onError: (message: string) => void): Checkpointer {
  const module = createRequire(import.meta.url).resolve("better-sqlite3");
  const worker = new Worker(THREAD, { eval: true, workerData: { path, module, everyMs } });
  // An inbox left open must not keep the process alive.
  worker.unref();
  worker.on("message", (m: { error?: string }) => {
    if (m.error) onError(m.error);
  });
  worker.on("error", (e) => onError(e.message));
  const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
  return {
    async close() {
      worker.ref(); // closing is awaited: keep the process alive until the thread has finished
      worker.postMessage("close");
      await exited;
    },
  };
}
