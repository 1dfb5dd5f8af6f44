import { ConfigError } from "../../errors.js";
import type { PgQueryable } from "../../peers/postgres.js";
import type { SqliteDatabase } from "../../peers/sqlite.js";
import type { EncryptionOptions } from "../encryption.js";
import { type EncryptedTokenStore, encryptedTokenStore } from "./encrypted.js";
import type { CiphertextBackend, VersionedRecord } from "./types.js";

export interface SqlTokenStoreOptions {
  encryption: EncryptionOptions;
  /** Table name (default `ballast_oauth_tokens`; `schema.table` allowed). Created when missing. */
  table?: string;
}

/** A better-sqlite3 `Database`, or a pg `Pool` / `PoolClient` / `Client`. */
export type SqlDatabase = SqliteDatabase | PgQueryable;

const TABLE = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?$/;

function isSqlite(db: SqlDatabase): db is SqliteDatabase {
  return typeof (db as SqliteDatabase).prepare === "function" && typeof (db as SqliteDatabase).pragma === "function";
}

interface TokenRow {
  version: number;
  ciphertext: string;
}

function sqliteBackend(db: SqliteDatabase, table: string): CiphertextBackend {
  db.exec(`CREATE TABLE IF NOT EXISTS ${table} (connection_id TEXT PRIMARY KEY, version INTEGER NOT NULL, ciphertext TEXT NOT NULL)`);
  const select = db.prepare(`SELECT version, ciphertext FROM ${table} WHERE connection_id = ?`);
  const upsert = db.prepare(
    `INSERT INTO ${table} (connection_id, version, ciphertext) VALUES (?, 1, ?) ON CONFLICT (connection_id) DO UPDATE SET version = version + 1, ciphertext = excluded.ciphertext`,
  );
  const insertNew = db.prepare(`INSERT INTO ${table} (connection_id, version, ciphertext) VALUES (?, 1, ?) ON CONFLICT (connection_id) DO NOTHING`);
  const update = db.prepare(`UPDATE ${table} SET version = version + 1, ciphertext = ? WHERE connection_id = ? AND version = ?`);
  const remove = db.prepare(`DELETE FROM ${table} WHERE connection_id = ?`);
  const all = db.prepare(`SELECT connection_id FROM ${table}`);
  return {
    kind: "sqlite",
    async get(id) {
      const row = select.get(id) as TokenRow | undefined;
      return row && { value: row.ciphertext, version: row.version };
    },
    async put(id, ciphertext, expectedVersion) {
      if (expectedVersion === undefined) return upsert.run(id, ciphertext).changes === 1;
      if (expectedVersion === 0) return insertNew.run(id, ciphertext).changes === 1;
      return update.run(ciphertext, id, expectedVersion).changes === 1;
    },
    async delete(id) {
      remove.run(id);
    },
    async ids() {
      return (all.all() as Array<{ connection_id: string }>).map((r) => r.connection_id);
    },
    async close() {},
  };
}

function postgresBackend(pool: PgQueryable, table: string): CiphertextBackend {
  let ready: Promise<void> | undefined;
  const init = () => {
    ready ??= pool.query(`CREATE TABLE IF NOT EXISTS ${table} (connection_id TEXT PRIMARY KEY, version BIGINT NOT NULL, ciphertext TEXT NOT NULL)`).then(
      () => undefined,
      (e: { code?: string }) => {
        // Two processes creating the table at once: the loser sees a duplicate; the table exists.
        if (e.code !== "23505" && e.code !== "42P07") {
          ready = undefined;
          throw e;
        }
      },
    );
    return ready;
  };
  return {
    kind: "postgres",
    async get(id): Promise<VersionedRecord<string> | undefined> {
      await init();
      const { rows } = await pool.query<{ version: string; ciphertext: string }>(`SELECT version, ciphertext FROM ${table} WHERE connection_id = $1`, [id]);
      const row = rows[0];
      return row && { value: row.ciphertext, version: Number(row.version) };
    },
    async put(id, ciphertext, expectedVersion) {
      await init();
      if (expectedVersion === undefined) {
        await pool.query(
          `INSERT INTO ${table} AS t (connection_id, version, ciphertext) VALUES ($1, 1, $2) ON CONFLICT (connection_id) DO UPDATE SET version = t.version + 1, ciphertext = excluded.ciphertext`,
          [id, ciphertext],
        );
        return true;
      }
      const res =
        expectedVersion === 0
          ? await pool.query(`INSERT INTO ${table} (connection_id, version, ciphertext) VALUES ($1, 1, $2) ON CONFLICT (connection_id) DO NOTHING`, [
              id,
              ciphertext,
            ])
          : await pool.query(`UPDATE ${table} SET version = version + 1, ciphertext = $2 WHERE connection_id = $1 AND version = $3`, [
              id,
              ciphertext,
              expectedVersion,
            ]);
      return res.rowCount === 1;
    },
    async delete(id) {
      await init();
      await pool.query(`DELETE FROM ${table} WHERE connection_id = $1`, [id]);
    },
    async ids() {
      await init();
      const { rows } = await pool.query<{ connection_id: string }>(`SELECT connection_id FROM ${table}`);
      return rows.map((r) => r.connection_id);
    },
    async close() {},
  };
}

/** The SQL backend alone (ciphertexts), for tests that inspect what is held at rest. */
export function sqlCiphertextBackend(db: SqlDatabase, table = "ballast_oauth_tokens"): CiphertextBackend {
  if (!TABLE.test(table))
    throw new ConfigError("sqlTokenStore.table", `must be a plain SQL identifier (optionally schema.table); got ${JSON.stringify(table)}`);
  if (db === null || typeof db !== "object") throw new ConfigError("sqlTokenStore(db)", "must be a better-sqlite3 Database or a pg Pool");
  if (isSqlite(db)) return sqliteBackend(db, table);
  if (typeof (db as PgQueryable).query === "function") return postgresBackend(db as PgQueryable, table);
  throw new ConfigError("sqlTokenStore(db)", "must be a better-sqlite3 Database or a pg Pool");
}

/**
 * Tokens in SQL: SQLite (better-sqlite3, embedded) or PostgreSQL (pg), one row
 * per connection, encrypted at rest. The database handle is the caller's to close.
 */
export function sqlTokenStore(db: SqlDatabase, options: SqlTokenStoreOptions): EncryptedTokenStore {
  return encryptedTokenStore(sqlCiphertextBackend(db, options?.table), options?.encryption, "sqlTokenStore.encryption");
}
