import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

/**
 * WAL checkpoints on a worker thread with its own connection. A checkpoint
 * copies the WAL's pages into the database file and fsyncs both; run by the
 * writing connection (SQLite's auto-checkpoint) it stops the event loop for
 * milliseconds every few thousand events. A PASSIVE checkpoint from another
 * connection never blocks the writer, and the writer restarts the WAL from
 * its beginning once everything in it has been copied.
 *
 * Under sustained writes that moment may never come: the writer restarts the
 * WAL only in a transaction that began after a checkpoint copied everything,
 * and with back-to-back transactions every checkpoint ends inside one, so the
 * WAL grows without bound (checkpoint starvation; seen here: 1.3 GB in 10 s
 * at 17k events/s). So when a checkpoint finds the WAL over its limit, the
 * thread asks the writer to hold its next transaction (`holdWrites()`; writes
 * wait, the event loop does not) while it checkpoints again with no writer;
 * the next transaction then restarts the WAL.
 */
export interface Checkpointer {
  /** While the thread catches up with an oversized WAL: a promise the next write waits for; else undefined. */
  holdWrites(): Promise<void> | undefined;
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
const limitPages = Math.max(1, Math.floor(workerData.walLimitBytes / db.pragma("page_size", { simple: true })));
let timer;
const checkpoint = () => {
  try {
    return db.pragma("wal_checkpoint(PASSIVE)")[0];
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message || error) });
    return undefined;
  }
};
const loop = () => {
  const r = checkpoint();
  // The WAL still holds that many frames: the writer has not restarted it since.
  if (r && r.log >= limitPages) parentPort.postMessage({ behind: true });
  timer = setTimeout(loop, workerData.everyMs);
};
timer = setTimeout(loop, workerData.everyMs);
parentPort.on("message", (m) => {
  if (m === "catch-up") {
    checkpoint();
    parentPort.postMessage({ caughtUp: true });
    return;
  }
  if (m !== "close") return;
  clearTimeout(timer);
  checkpoint();
  db.close();
  parentPort.close();
});
`;

export interface CheckpointerOptions {
  everyMs: number;
  /** WAL size (bytes) from which writes are held while a checkpoint catches up. */
  walLimitBytes: number;
  /** The thread failed: the caller falls back to SQLite's auto-checkpoint. */
  onError(message: string): void;
}

export function startCheckpointer(path: string, { everyMs, walLimitBytes, onError }: CheckpointerOptions): Checkpointer {
  const module = createRequire(import.meta.url).resolve("better-sqlite3");
  const worker = new Worker(THREAD, { eval: true, workerData: { path, module, everyMs, walLimitBytes } });
  // An inbox left open must not keep the process alive.
  worker.unref();
  let held: { promise: Promise<void>; release(): void } | undefined;
  const release = () => {
    held?.release();
    held = undefined;
  };
  worker.on("message", (m: { error?: string; behind?: boolean; caughtUp?: boolean }) => {
    if (m.error) onError(m.error);
    if (m.caughtUp) release();
    else if (m.behind && held === undefined) {
      let resolve = () => {};
      held = { promise: new Promise<void>((r) => (resolve = r)), release: () => resolve() };
      worker.postMessage("catch-up");
    }
  });
  worker.on("error", (e) => {
    release();
    onError(e.message);
  });
  const exited = new Promise<void>((resolve) =>
    worker.once("exit", () => {
      release();
      resolve();
    }),
  );
  return {
    holdWrites: () => held?.promise,
    async close() {
      worker.ref(); // closing is awaited: keep the process alive until the thread has finished
      worker.postMessage("close");
      await exited;
    },
  };
}
