/**
 * A real Redis connection or PostgreSQL schema for one describe block, cleaned up after it: tests of different
 * files and runs never see each other's keys or tables (names come from uniqueName).
 */
import { Redis } from "ioredis";
import pg from "pg";
import { afterAll, beforeAll } from "vitest";
import { DATABASE_URL, REDIS_URL, uniqueName } from "./services.js";

export interface TestRedis {
  readonly redis: Redis;
  /** `<name>_<unique>:`; every key under it is deleted after the block. */
  readonly prefix: string;
  /** A fresh prefix under `prefix` for one store (`<prefix>0:`, `<prefix>1:`...). */
  nextPrefix(): string;
}

/** Call inside a `describeRedis` block: one connection, its keys deleted and the connection closed after the block. */
export function useRedis(name: string): TestRedis {
  const redis = new Redis(REDIS_URL);
  const prefix = `${uniqueName(name)}:`;
  let n = 0;
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });
  return { redis, prefix, nextPrefix: () => `${prefix}${n++}:` };
}

export interface TestSchema {
  readonly pool: pg.Pool;
  /** A lower-case schema name, created before the block's tests and dropped (with its tables) after. */
  readonly schema: string;
}

/** Call inside a `describePostgres` block: a pool and a schema of the block's own. */
export function usePostgresSchema(name: string, options: { max?: number } = {}): TestSchema {
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: options.max ?? 4 });
  const schema = uniqueName(name).toLowerCase();
  beforeAll(async () => {
    await pool.query(`CREATE SCHEMA ${schema}`);
  });
  afterAll(async () => {
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool.end();
  });
  return { pool, schema };
}
