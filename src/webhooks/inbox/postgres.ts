import { createHash } from "node:crypto";
import { ConfigError } from "../../errors.js";
import type { PgPool, PgPoolClient } from "../../peers/postgres.js";
import { createBatcher } from "./batcher.js";
import { countsSql, toCounts } from "./counts.js";
import { clip, type InboxRow, identifier, rowToEvent } from "./rows.js";
import type { AtomicEffect, ClaimOptions, InboxEventInput, ListOptions, PurgeOptions, WebhookInbox } from "./types.js";

/** SQLSTATE 40P01: PostgreSQL aborted this transaction to break a deadlock. */
const DEADLOCK_DETECTED = "40P01";
/** Tries of a statement that PostgreSQL keeps aborting for deadlocks before its error is the caller's. */
const DEADLOCK_TRIES = 5;

/**
 * Runs an idempotent statement again when PostgreSQL aborts it to break a
 * deadlock. Both sides of one can be aborted (each backend's check may find
 * the cycle before the other has let go), and two that try again at once can
 * cross again: a short random wait, longer each time, lets one go first. The
 * wait is I/O scheduling, not policy time, so it is not a Clock.
 */
async function retryingDeadlocks<T>(run: () => Promise<T>): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await run();
    } catch (e) {
      if ((e as { code?: unknown }).code !== DEADLOCK_DETECTED || tries >= DEADLOCK_TRIES) throw e;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * tries));
    }
  }
}

export interface PostgresInboxOptions {
  /** Table name. Default `ballast_webhook_inbox`. */
  table?: string;
  /** Schema holding the table. Default: the connection's search path. */
  schema?: string;
  /**
   * Group commit for `put`: events arriving while the pool is busy are
   * inserted together, one multi-row INSERT and one commit each, and every
   * caller resolves after the commit holding its event. Durability is
   * PostgreSQL's own (`synchronous_commit`, on by default). Completions
   * without `ctx.atomically` effects are grouped the same way (one UPDATE and
   * one commit per batch). `false` inserts (and completes) each event on its own. Default `{ maxBatch: 500, concurrency: pool size }`.
   */
  groupCommit?: false | { maxBatch?: number; maxDelayMs?: number; concurrency?: number };
  /**
   * `put`'s INSERT is a named prepared statement, parsed and planned once per
   * connection instead of once per batch. Set `false` behind a pooler that
   * cannot carry prepared statements across transactions (PgBouncer in
   * transaction mode before 1.21, or without `max_prepared_statements`).
   * Default `true`.
   */
  preparedStatements?: boolean;
}

/**
 * A durable inbox in PostgreSQL (pg). Any number of receivers and workers in
 * any number of processes share it: workers claim with
 * `FOR UPDATE SKIP LOCKED` and hold a lease, so a crashed worker's events are
 * claimed again once its lease runs out. The table is created on first use.
 */
export function postgresInbox(pool: PgPool, options: PostgresInboxOptions = {}): WebhookInbox<PgPoolClient> {
  if (!pool || typeof pool.query !== "function" || typeof pool.connect !== "function") throw new ConfigError("pool", "must be a pg Pool");
  const name = identifier(options.table ?? "ballast_webhook_inbox", "table");
  const t = options.schema ? `${identifier(options.schema, "schema")}.${name}` : name;
  const prepared = options.preparedStatements ?? true;
  if (typeof prepared !== "boolean") throw new ConfigError("preparedStatements", "must be true or false");
  const poolSize = (pool as unknown as { options?: { max?: number } }).options?.max ?? 10;
  const group =
    options.groupCommit === false
      ? { maxBatch: 1, maxDelayMs: 0, concurrency: poolSize }
      : { maxBatch: 500, maxDelayMs: 0, concurrency: poolSize, ...options.groupCommit };

  let ready: Promise<void> | undefined;
  /** Set once the table exists: `put` then skips a wait per event. */
  let migrated = false;
  const migrate = () =>
    (ready ??= (async () => {
      const client = await pool.connect();
      try {
        // Several processes may start at once: serialise the CREATEs.
        await client.query("BEGIN");
        await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [t]);
        // Payloads over ~2 KB are compressed when stored; lz4 (PostgreSQL 14+, when built with it) costs a
        // fraction of the CPU of the default pglz, which was the largest part of an insert's cost.
        const lz4 = await client.query<{ lz4: boolean }>("SELECT 'lz4' = ANY(enumvals) AS lz4 FROM pg_settings WHERE name = 'default_toast_compression'");
        const compression = lz4.rows[0]?.lz4 ? " COMPRESSION lz4" : "";
        await client.query(`
          CREATE TABLE IF NOT EXISTS ${t} (
            seq BIGSERIAL NOT NULL,
            id TEXT PRIMARY KEY,
            scheme TEXT NOT NULL,
            type TEXT,
            ordering_key TEXT,
            payload BYTEA${compression} NOT NULL,
            headers TEXT NOT NULL,
            received_at BIGINT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending',
            attempts INTEGER NOT NULL DEFAULT 0,
            run_at BIGINT NOT NULL,
            last_error TEXT,
            lease TEXT,
            lease_until BIGINT,
            completed_at BIGINT
          );
          CREATE INDEX IF NOT EXISTS ${name}_open ON ${t} (seq) WHERE status IN ('pending', 'processing');
          CREATE INDEX IF NOT EXISTS ${name}_key ON ${t} (ordering_key, seq) WHERE status IN ('pending', 'processing') AND ordering_key IS NOT NULL;
          CREATE INDEX IF NOT EXISTS ${name}_status ON ${t} (status, seq);`);
        await client.query("COMMIT");
        migrated = true;
      } catch (e) {
        await client.query("ROLLBACK").catch(() => {});
        ready = undefined;
        throw e;
      } finally {
        client.release();
      }
    })());

  // Payloads and headers travel as one binary bytea each (node-postgres sends a Buffer in binary) and are
  // cut apart by offset in SQL: no base64 or array-literal escaping of kilobytes per event on either side.
  // Prepared once per connection (a named statement), so each batch skips parsing and planning.
  const insertMany = {
    ...(prepared && { name: `ballast_inbox_put_${statementKey(t)}` }),
    text: `
    INSERT INTO ${t} (id, scheme, type, ordering_key, payload, headers, received_at, run_at)
    SELECT u.id, u.scheme, u.type, u.ordering_key, substring($5::bytea FROM u.p_at FOR u.p_len),
           convert_from(substring($6::bytea FROM u.h_at FOR u.h_len), 'UTF8'), u.received_at, u.received_at
    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $7::int[], $8::int[], $9::int[], $10::int[], $11::bigint[])
      AS u(id, scheme, type, ordering_key, p_at, p_len, h_at, h_len, received_at)
    ON CONFLICT (id) DO NOTHING RETURNING id`,
  };

  const batcher = createBatcher<InboxEventInput, "stored" | "duplicate">({
    ...group,
    async flush(events) {
      const n = events.length;
      const ids = new Array<string>(n);
      const schemes = new Array<string>(n);
      const types = new Array<string | null>(n);
      const keys = new Array<string | null>(n);
      const payloads = new Array<Buffer>(n);
      const headers = new Array<Buffer>(n);
      const pAt = new Array<number>(n);
      const pLen = new Array<number>(n);
      const hAt = new Array<number>(n);
      const hLen = new Array<number>(n);
      const receivedAt = new Array<number>(n);
      let p = 1;
      let h = 1;
      for (let i = 0; i < n; i++) {
        const e = events[i] as InboxEventInput;
        ids[i] = e.id;
        schemes[i] = e.scheme;
        types[i] = e.type ?? null;
        keys[i] = e.orderingKey ?? null;
        payloads[i] = e.payload;
        pAt[i] = p;
        pLen[i] = e.payload.length;
        p += e.payload.length;
        const hb = Buffer.from(JSON.stringify(e.headers));
        headers[i] = hb;
        hAt[i] = h;
        hLen[i] = hb.length;
        h += hb.length;
        receivedAt[i] = e.receivedAt;
      }
      const query = {
        ...insertMany,
        values: [ids, schemes, types, keys, Buffer.concat(payloads, p - 1), Buffer.concat(headers, h - 1), pAt, pLen, hAt, hLen, receivedAt],
      };
      // Two batches carrying the same events in opposite orders (a provider's retry crossing between receivers)
      // can deadlock on the id index; PostgreSQL aborts one (or both). Its events are the other's by then or free
      // again: inserting once more stores them or finds them stored. (Sorting by id would avoid it, but rows take their
      // seq in insert order, and events of one ordering key must keep the order they arrived in.)
      const res = await retryingDeadlocks(() => pool.query<{ id: string }>(query));
      const inserted = new Set(res.rows.map((r) => r.id));
      // The same id twice in one batch: the first is stored, the rest are duplicates.
      return events.map((e) => (inserted.delete(e.id) ? "stored" : "duplicate"));
    },
  });

  /** Runs `fn` in a transaction on one pooled connection. */
  async function transaction<R>(fn: (client: PgPoolClient) => Promise<R>): Promise<R> {
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      const result = await fn(client);
      await client.query("COMMIT");
      return result;
    } catch (e) {
      await client.query("ROLLBACK").catch(() => {});
      throw e;
    } finally {
      client.release();
    }
  }

  const claimSql = `
    WITH ready AS (
      SELECT e.id FROM ${t} e
      WHERE e.status IN ('pending', 'processing')
        AND ((e.status = 'pending' AND e.run_at <= $1) OR (e.status = 'processing' AND e.lease_until <= $1))
        AND (e.ordering_key IS NULL OR NOT EXISTS (
          SELECT 1 FROM ${t} p WHERE p.ordering_key = e.ordering_key AND p.seq < e.seq AND p.status IN ('pending', 'processing')))
      ORDER BY e.seq LIMIT $2
      FOR UPDATE SKIP LOCKED)
    UPDATE ${t} x SET status = 'processing', lease = $3, lease_until = $4, attempts = x.attempts + 1
    FROM ready WHERE x.id = ready.id
    RETURNING x.*`;

  // The claim must walk the `_open` index in seq order and stop after `limit` rows. With statistics taken
  // when few events were open (a new table, or a backlog built since the last ANALYZE), the planner
  // estimates one ready row and instead reads every open row through `_status` and sorts them: each claim
  // then costs the whole backlog (5.7 ms for 32 events with 10k open, against 0.9 ms walking the index).
  // Sorting and bitmap scans are off for the claim's transaction only, so that walk is the plan whatever
  // the statistics say.
  const claimSettings = "SET LOCAL synchronous_commit = off; SET LOCAL enable_sort = off; SET LOCAL enable_bitmapscan = off";

  const held = `id = $1 AND lease = $2 AND status = 'processing'`;

  // Completions without effects share a statement and a commit, as puts do: each caller resolves once the
  // commit holding its event is durable. A lease matches at most one row, so the result is per (id, lease).
  // The rows are locked first, in id order: left to the plan, a batch locks them in the order it names them
  // (or in table order, depending on statistics), and two batches naming the same rows in opposite orders
  // deadlock — PostgreSQL then aborts one, failing every completion in it. The UPDATE then needs only the
  // primary key: the rows it joins are ours until commit, and a filter on status there made the planner
  // (estimating few events in progress) loop over every locked row for every row, 20x slower at 500.
  const completeMany = `
    WITH locked AS MATERIALIZED (
      SELECT u.id, u.lease, u.now FROM ${t} x JOIN unnest($1::text[], $2::text[], $3::bigint[]) AS u(id, lease, now)
        ON x.id = u.id AND x.lease = u.lease
      WHERE x.status = 'processing' ORDER BY x.id FOR UPDATE OF x)
    UPDATE ${t} x SET status = 'done', completed_at = l.now, lease = NULL, lease_until = NULL
    FROM locked l WHERE x.id = l.id
    RETURNING l.id, l.lease`;
  const completer = createBatcher<{ id: string; lease: string; now: number }, boolean>({
    ...group,
    async flush(items) {
      const res = await pool.query<{ id: string; lease: string }>(completeMany, [items.map((i) => i.id), items.map((i) => i.lease), items.map((i) => i.now)]);
      const done = new Set(res.rows.map((r) => `${r.lease} ${r.id}`));
      // The same completion twice in one batch: the first wins, as it would one after the other.
      return items.map((i) => done.delete(`${i.lease} ${i.id}`));
    },
  });

  return {
    kind: "postgres",

    async put(event: InboxEventInput) {
      if (!migrated) await migrate();
      return batcher.run(event);
    },

    async claim({ limit, leaseMs, now, lease }: ClaimOptions) {
      await migrate();
      // A claim need not survive a server crash (the event would just be
      // claimed again), so it does not wait for the WAL flush: claims do not
      // compete with the durable commits of incoming events.
      const rows = await transaction(async (client) => {
        await client.query(claimSettings);
        return (await client.query<InboxRow & { seq: string }>(claimSql, [now, limit, lease, now + leaseMs])).rows;
      });
      return rows.sort((a, b) => Number(a.seq) - Number(b.seq)).map(rowToEvent);
    },

    async complete(id: string, lease: string, now: number, effects: ReadonlyArray<AtomicEffect<PgPoolClient>> = []) {
      await migrate();
      if (effects.length === 0) return completer.run({ id, lease, now });
      // The status update first: it locks the row, so no one else can complete
      // it meanwhile; the effects commit with it or not at all.
      const lost = Symbol("lost");
      try {
        return await transaction(async (client) => {
          const res = await client.query(`UPDATE ${t} SET status = 'done', completed_at = $3, lease = NULL, lease_until = NULL WHERE ${held}`, [
            id,
            lease,
            now,
          ]);
          if (res.rowCount !== 1) throw lost;
          for (const effect of effects) await effect(client);
          return true;
        });
      } catch (e) {
        if (e === lost) return false;
        throw e;
      }
    },

    async retry(id: string, lease: string, runAt: number, error: string) {
      await migrate();
      const res = await pool.query(`UPDATE ${t} SET status = 'pending', run_at = $3, last_error = $4, lease = NULL, lease_until = NULL WHERE ${held}`, [
        id,
        lease,
        runAt,
        clip(error),
      ]);
      return res.rowCount === 1;
    },

    async deadLetter(id: string, lease: string, error: string) {
      await migrate();
      const res = await pool.query(`UPDATE ${t} SET status = 'dead', last_error = $3, lease = NULL, lease_until = NULL WHERE ${held}`, [
        id,
        lease,
        clip(error),
      ]);
      return res.rowCount === 1;
    },

    async get(id: string) {
      await migrate();
      const res = await pool.query<InboxRow>(`SELECT * FROM ${t} WHERE id = $1`, [id]);
      const row = res.rows[0];
      return row && rowToEvent(row);
    },

    async counts() {
      await migrate();
      const sql = countsSql(t);
      const [byStatus, open] = await Promise.all([
        pool.query<{ status: string; n: string }>(sql.byStatus),
        pool.query<{ failing: string; oldest: string | null; unused: number }>(sql.open),
      ]);
      return toCounts(byStatus.rows, open.rows);
    },

    async list({ status, limit = 100 }: ListOptions = {}) {
      await migrate();
      const res =
        status === undefined
          ? await pool.query<InboxRow>(`SELECT * FROM ${t} ORDER BY seq LIMIT $1`, [limit])
          : await pool.query<InboxRow>(`SELECT * FROM ${t} WHERE status = $1 ORDER BY seq LIMIT $2`, [status, limit]);
      return res.rows.map(rowToEvent);
    },

    async replay(id: string, now: number) {
      await migrate();
      const res = await pool.query(
        `UPDATE ${t} SET status = 'pending', attempts = 0, run_at = $2, last_error = NULL, completed_at = NULL,
           seq = nextval(pg_get_serial_sequence('${t}', 'seq'))
         WHERE id = $1 AND status IN ('dead', 'done')`,
        [id, now],
      );
      return res.rowCount === 1;
    },

    async purge({ status = "done", before }: PurgeOptions = {}) {
      await migrate();
      const res =
        before === undefined
          ? await pool.query(`DELETE FROM ${t} WHERE status = $1`, [status])
          : await pool.query(`DELETE FROM ${t} WHERE status = $1 AND received_at < $2`, [status, before]);
      return res.rowCount ?? 0;
    },

    async close() {
      // The pool is the caller's: it is not ended here.
      await Promise.all([batcher.idle(), completer.idle()]);
    },
  };
}

/** A short, stable name for a table's prepared statements (statement names are per connection, shared by every inbox on a pool). */
function statementKey(table: string): string {
  return createHash("sha1").update(table).digest("hex").slice(0, 12);
}
