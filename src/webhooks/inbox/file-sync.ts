import { closeSync, fdatasync, openSync } from "node:fs";

/**
 * fsync (fdatasync: the data and the size, not the timestamps, as SQLite
 * itself syncs its WAL on Linux) of one file on libuv's thread pool, shared by every caller: `sync()`
 * resolves once an fsync that *started after the call* has finished, so it
 * covers everything written before the call. Callers that arrive while an
 * fsync runs share the next one (many commits, one fsync).
 */
export interface FileSync {
  sync(): Promise<void>;
  /** fsyncs finished so far. */
  readonly count: number;
  close(): void;
}

export function createFileSync(path: string): FileSync {
  // Opened for writing though nothing is written through it: Windows flushes only handles with write access.
  const fd = openSync(path, "r+");
  let running = false;
  let count = 0;
  let closed = false;
  /** Callers waiting for the next fsync to start. */
  let next: Array<{ resolve(): void; reject(e: unknown): void }> = [];

  const start = () => {
    if (running || next.length === 0) return;
    running = true;
    const batch = next;
    next = [];
    fdatasync(fd, (error) => {
      running = false;
      count++;
      for (const w of batch) error ? w.reject(error) : w.resolve();
      if (closed && next.length === 0) closeSync(fd);
      else start();
    });
  };

  return {
    sync() {
      if (closed) return Promise.reject(new Error("file sync closed"));
      return new Promise((resolve, reject) => {
        next.push({ resolve, reject });
        start();
      });
    },
    get count() {
      return count;
    },
    close() {
      if (closed) return;
      closed = true;
      if (!running && next.length === 0) closeSync(fd);
    },
  };
}
