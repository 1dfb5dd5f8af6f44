import { closeSync, existsSync, fsyncSync, openSync } from "node:fs";
import { dirname } from "node:path";
import type BetterSqlite3 from "better-sqlite3";
import { ConfigError } from "../../errors.js";
import { requirePeer } from "../../peers/load.js";
import type { SqliteDatabase } from "../../peers/sqlite.js";
import type { Duration } from "../../util/duration.js";
import { durationOption, integerOption } from "../../util/options.js";
import { createBatcher } from "./batcher.js";
import { type Checkpointer, startCheckpointer } from "./checkpointer.js";
import { countsSql, toCounts } from "./counts.js";
import { createFileSync, type FileSync } from "./file-sync.js";
import { clip, type InboxRow, identifier, rowToEvent } from "./rows.js";
import type { AtomicEffect, ClaimOptions, InboxEventInput, ListOptions, PurgeOptions, WebhookInbox } from "./types.js";

export interface SqliteInboxOptions {
  /** Table name. Default `ballast_webhook_inbox`. */
  table?: string;
  /**
   * `"full"` (default): every write resolves (and the receiver answers 2xx)
   * only once its commit is on disk and survives power loss — the only mode
   * in which a 2xx means "stored". `"normal"`: WAL with `synchronous=NORMAL`
   * and no wait for the disk: faster, survives a process crash, but may lose
   * the last commits on power loss.
   */
  durability?: "full" | "normal";
  /**
   * How `durability: "full"` reaches the disk. `"background"` (default): the
   * transaction commits without waiting (`synchronous=NORMAL`), then the WAL
   * file is fsynced on libuv's thread pool and the writes resolve after that
   * fsync; the event loop keeps receiving meanwhile, and commits made while an
   * fsync runs share the next one. `"inline"`: SQLite's own
   * `synchronous=FULL`; the event loop waits for every commit's fsync.
   * Both acknowledge only what is on disk.
   */
  fsync?: "background" | "inline";
  /**
   * Who copies the WAL back into the database file. `"background"`
   * (default): a worker thread with its own connection runs a PASSIVE
   * checkpoint every `checkpointEveryMs` (default 25), which never blocks
   * the writer. `"inline"`: SQLite's auto-checkpoint, run by the writing
   * connection on the event loop every ~1000 pages.
   */
  checkpoint?: "background" | "inline";
  checkpointEveryMs?: Duration;
  /**
   * With `checkpoint: "background"`: the WAL size (bytes) past which, if a
   * checkpoint could not copy everything (the writer kept appending), the
   * next write waits for the thread to finish copying, so the WAL restarts
   * instead of growing without bound under sustained load. The event loop
   * does not wait. Default 16 MiB.
   */
  walLimitBytes?: number;
  /**
   * Group commit: writes arriving together share one transaction (one fsync);
   * each caller still resolves only after the commit that holds its write.
   * `false` commits every write on its own. Default `{ maxDelayMs: 0, maxBatch: 1000 }`.
   */
  groupCommit?: false | { maxDelayMs?: number; maxBatch?: number };
}

/** A write run inside a batch; `multi` when it runs several statements (it then gets a savepoint). */
interface Op {
  run(db: BetterSqlite3.Database): unknown;
  multi: boolean;
}

/**
 * A durable inbox in one SQLite file (better-sqlite3, WAL). The embedded
 * default: one process writes; any number of handlers run in it. Loads the
 * optional peer better-sqlite3 when called; `ctx.atomically` effects receive
 * its `Database`.
 */
export function sqliteInbox(path: string, options: SqliteInboxOptions = {}): WebhookInbox<SqliteDatabase> {
  if (typeof path !== "string" || path === "") throw new ConfigError("path", "must be a file path (or :memory:)");
  const t = identifier(options.table ?? "ballast_webhook_inbox", "table");
  const durability = options.durability ?? "full";
  if (durability !== "full" && durability !== "normal") throw new ConfigError("durability", 'must be "full" or "normal"');
  const fsyncMode = options.fsync ?? "background";
  if (fsyncMode !== "background" && fsyncMode !== "inline") throw new ConfigError("fsync", 'must be "background" or "inline"');
  const background = durability === "full" && fsyncMode === "background" && path !== ":memory:";
  const checkpointMode = options.checkpoint ?? "background";
  if (checkpointMode !== "background" && checkpointMode !== "inline") throw new ConfigError("checkpoint", 'must be "background" or "inline"');
  const checkpointEveryMs = durationOption(options.checkpointEveryMs ?? 25, "checkpointEveryMs");
  const walLimitBytes = integerOption(options.walLimitBytes ?? 16 * 1024 * 1024, "walLimitBytes");
  const group = options.groupCommit === false ? { maxDelayMs: 0, maxBatch: 1 } : { maxDelayMs: 0, maxBatch: 1000, ...options.groupCommit };

  const Database = requirePeer<typeof BetterSqlite3>("better-sqlite3", "sqliteInbox");
  const db = new Database(path);
  // A new file gets 8 KiB pages: a 2-3 KB event fills most of one (with 4 KiB pages each event would
  // take a page of its own and waste a third of every WAL write). No effect on an existing file.
  db.pragma("page_size = 8192");
  db.pragma("journal_mode = WAL");
  db.pragma(`synchronous = ${durability === "full" && !background ? "FULL" : "NORMAL"}`);
  db.pragma("busy_timeout = 5000");
  db.exec(`
    CREATE TABLE IF NOT EXISTS ${t} (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      id TEXT NOT NULL UNIQUE,
      scheme TEXT NOT NULL,
      type TEXT,
      ordering_key TEXT,
      payload BLOB NOT NULL,
      headers TEXT NOT NULL,
      received_at INTEGER NOT NULL,
      status TEXT NOT NULL DEFAULT 'pending',
      attempts INTEGER NOT NULL DEFAULT 0,
      run_at INTEGER NOT NULL,
      last_error TEXT,
      lease TEXT,
      lease_until INTEGER,
      completed_at INTEGER
    );
    CREATE INDEX IF NOT EXISTS ${t}_open ON ${t}(seq) WHERE status IN ('pending', 'processing');
    CREATE INDEX IF NOT EXISTS ${t}_key ON ${t}(ordering_key, seq) WHERE status IN ('pending', 'processing') AND ordering_key IS NOT NULL;
    CREATE INDEX IF NOT EXISTS ${t}_status ON ${t}(status, seq);
  `);

  const insert = db.prepare(
    `INSERT INTO ${t} (id, scheme, type, ordering_key, payload, headers, received_at, run_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING`,
  );
  const claimStmt = db.prepare(`
    UPDATE ${t} SET status = 'processing', lease = @lease, lease_until = @until, attempts = attempts + 1
    WHERE seq IN (
      SELECT e.seq FROM ${t} e
      WHERE e.status IN ('pending', 'processing')
        AND ((e.status = 'pending' AND e.run_at <= @now) OR (e.status = 'processing' AND e.lease_until <= @now))
        AND (e.ordering_key IS NULL OR NOT EXISTS (
          SELECT 1 FROM ${t} p WHERE p.ordering_key = e.ordering_key AND p.seq < e.seq AND p.status IN ('pending', 'processing')))
      ORDER BY e.seq LIMIT @limit)
    RETURNING *`);
  const completeStmt = db.prepare(
    `UPDATE ${t} SET status = 'done', completed_at = ?, lease = NULL, lease_until = NULL WHERE id = ? AND lease = ? AND status = 'processing'`,
  );
  const retryStmt = db.prepare(
    `UPDATE ${t} SET status = 'pending', run_at = ?, last_error = ?, lease = NULL, lease_until = NULL WHERE id = ? AND lease = ? AND status = 'processing'`,
  );
  const deadStmt = db.prepare(
    `UPDATE ${t} SET status = 'dead', last_error = ?, lease = NULL, lease_until = NULL WHERE id = ? AND lease = ? AND status = 'processing'`,
  );
  const getStmt = db.prepare(`SELECT * FROM ${t} WHERE id = ?`);
  const replayStmt = db.prepare(
    `UPDATE ${t} SET status = 'pending', attempts = 0, run_at = ?, last_error = NULL, completed_at = NULL, seq = (SELECT MAX(seq) + 1 FROM ${t})
     WHERE id = ? AND status IN ('dead', 'done')`,
  );

  // WAL mode keeps the log in "<path>-wal" while a connection is open; fsyncing it makes every commit so far durable.
  let closed = false;
  const wal = background ? walFileSync(path) : undefined;
  let checkpointer: Checkpointer | undefined;
  if (checkpointMode === "background" && path !== ":memory:") {
    db.pragma("wal_autocheckpoint = 0");
    // When the writer restarts the WAL it also truncates the file to the limit, so a burst
    // (e.g. before the thread has started) does not leave a large file behind.
    db.pragma(`journal_size_limit = ${Math.floor(walLimitBytes)}`);
    checkpointer = startCheckpointer(path, {
      everyMs: checkpointEveryMs,
      walLimitBytes,
      onError: () => {
        // Without the thread the WAL would grow forever: the writer checkpoints again.
        if (!closed) db.pragma("wal_autocheckpoint = 1000");
      },
    });
  }
  const batcher = createBatcher<Op, unknown>({
    // With a background fsync, the next batch commits while the previous one's fsync runs.
    concurrency: wal ? 2 : 1,
    maxBatch: group.maxBatch,
    maxDelayMs: group.maxDelayMs,
    flush: async (ops) => {
      await checkpointer?.holdWrites();
      const results = runBatch(ops);
      await wal?.sync();
      return results;
    },
  });

  // One transaction per batch; each op in its own savepoint, so one failing
  // op (e.g. a throwing effect) does not undo the others. Both transaction
  // functions are made once: better-sqlite3 builds four wrappers and defines
  // their properties on every db.transaction() call.
  const savepoint = db.transaction((run: Op["run"]) => run(db));
  const batchTransaction = db.transaction((ops: Op[]) => {
    const results: Array<unknown | Error> = [];
    for (const op of ops) {
      try {
        // A single statement is atomic on its own; only multi-statement ops pay for a savepoint.
        results.push(op.multi ? savepoint(op.run) : op.run(db));
      } catch (e) {
        results.push(e instanceof Error ? e : new Error(String(e)));
      }
    }
    return results;
  });
  const runBatch = (ops: Op[]): Array<unknown | Error> => batchTransaction.immediate(ops);

  const write = <R>(run: (d: BetterSqlite3.Database) => R, multi = false) => batcher.run({ run, multi }) as Promise<R>;

  return {
    kind: "sqlite",

    put(e: InboxEventInput) {
      return write(() =>
        insert.run(e.id, e.scheme, e.type ?? null, e.orderingKey ?? null, e.payload, JSON.stringify(e.headers), e.receivedAt, e.receivedAt).changes === 1
          ? ("stored" as const)
          : ("duplicate" as const),
      );
    },

    claim({ limit, leaseMs, now, lease }: ClaimOptions) {
      return write(() => {
        const rows = claimStmt.all({ lease, until: now + leaseMs, now, limit }) as Array<InboxRow & { seq: number }>;
        rows.sort((a, b) => a.seq - b.seq);
        return rows.map(rowToEvent);
      });
    },

    complete(id: string, lease: string, now: number, effects: ReadonlyArray<AtomicEffect<SqliteDatabase>> = []) {
      return write(() => {
        if (completeStmt.run(now, id, lease).changes !== 1) return false;
        for (const effect of effects) {
          const r = effect(db);
          if (r && typeof (r as Promise<unknown>).then === "function") {
            throw new TypeError("sqliteInbox effects run inside a synchronous transaction and must not return a promise");
          }
        }
        return true;
      }, effects.length > 0);
    },

    retry(id: string, lease: string, runAt: number, error: string) {
      return write(() => retryStmt.run(runAt, clip(error), id, lease).changes === 1);
    },

    deadLetter(id: string, lease: string, error: string) {
      return write(() => deadStmt.run(clip(error), id, lease).changes === 1);
    },

    async get(id: string) {
      const row = getStmt.get(id) as InboxRow | undefined;
      return row && rowToEvent(row);
    },

    async counts() {
      const sql = countsSql(t);
      return toCounts(
        db.prepare(sql.byStatus).all() as Array<{ status: string; n: number }>,
        db.prepare(sql.open).all() as Array<{ failing: number; oldest: number | null; unused: number }>,
      );
    },

    async list({ status, limit = 100 }: ListOptions = {}) {
      const rows = (
        status === undefined
          ? db.prepare(`SELECT * FROM ${t} ORDER BY seq LIMIT ?`).all(limit)
          : db.prepare(`SELECT * FROM ${t} WHERE status = ? ORDER BY seq LIMIT ?`).all(status, limit)
      ) as InboxRow[];
      return rows.map(rowToEvent);
    },

    replay(id: string, now: number) {
      return write(() => replayStmt.run(now, id).changes === 1);
    },

    purge({ status = "done", before }: PurgeOptions = {}) {
      return write(() =>
        before === undefined
          ? db.prepare(`DELETE FROM ${t} WHERE status = ?`).run(status).changes
          : db.prepare(`DELETE FROM ${t} WHERE status = ? AND received_at < ?`).run(status, before).changes,
      );
    },

    async close() {
      if (closed) return;
      closed = true;
      await batcher.idle();
      wal?.close();
      await checkpointer?.close();
      db.close();
    },
  };
}

/**
 * The fsync behind `fsync: "background"`. The WAL file exists once the
 * connection has read in WAL mode (the schema statements did); its directory
 * is synced once so the file itself survives power loss.
 */
function walFileSync(path: string): FileSync {
  const walPath = `${path}-wal`;
  if (!existsSync(walPath)) throw new Error(`sqliteInbox: ${walPath} is missing although the database is in WAL mode`);
  syncDirectory(dirname(walPath));
  return createFileSync(walPath);
}

/** fsync of a directory (its entries); Windows cannot open a directory as a file and has no such step. */
function syncDirectory(dir: string): void {
  if (process.platform === "win32") return;
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
