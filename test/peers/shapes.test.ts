import Database from "better-sqlite3";
import { Cluster, Redis } from "ioredis";
import pg from "pg";
import { describe, expect, it } from "vitest";
import type { PgPool, PgPoolClient, PgQueryable } from "../../src/peers/postgres.js";
import type { RedisTokenClient } from "../../src/peers/redis.js";
import type { SqliteDatabase } from "../../src/peers/sqlite.js";
import { DATABASE_URL, describePostgres } from "../support/services.js";

// The declarations of ballast/webhooks and ballast/oauth use these shapes instead of
// the peers' own types; the real clients must fit them (checked by the typecheck) and work through them.
describe("peer shapes", () => {
  it("a better-sqlite3 Database is a SqliteDatabase", () => {
    const db: SqliteDatabase = new Database(":memory:");
    db.exec("CREATE TABLE t (v TEXT)");
    expect(db.prepare("INSERT INTO t (v) VALUES (?)").run("a").changes).toBe(1);
    expect(db.prepare("SELECT v FROM t").all()).toEqual([{ v: "a" }]);
    expect(db.pragma("journal_mode", { simple: true })).toBe("memory");
    (db as Database.Database).close();
  });

  it("ioredis clients are RedisTokenClients", () => {
    const redis: RedisTokenClient = new Redis({ lazyConnect: true });
    const cluster: RedisTokenClient = new Cluster([], { lazyConnect: true });
    expect(typeof redis.eval).toBe("function");
    expect(typeof cluster.hmget).toBe("function");
    (redis as Redis).disconnect();
    (cluster as Cluster).disconnect();
  });
});

describePostgres("peer shapes (PostgreSQL)", () => {
  it("a pg Pool is a PgPool, its PoolClient a PgPoolClient, a Client a PgQueryable", async () => {
    const pool: PgPool = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
    const client: PgPoolClient = await pool.connect();
    expect((await client.query<{ n: number }>("SELECT $1::int AS n", [7])).rows).toEqual([{ n: 7 }]);
    client.release();
    const single = new pg.Client({ connectionString: DATABASE_URL });
    await single.connect();
    const queryable: PgQueryable = single;
    expect((await queryable.query("SELECT 1 AS one")).rowCount).toBe(1);
    await single.end();
    await (pool as pg.Pool).end();
  });
});
