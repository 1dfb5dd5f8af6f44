/**
 * Real Redis and PostgreSQL for integration suites. Locally, a suite whose
 * service does not answer is skipped with a loud message; under CI=true a
 * missing service fails the run.
 */
import net from "node:net";
import { describe } from "vitest";

export const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
export const DATABASE_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

function answers(url: string, defaultPort: number): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: u.hostname || "127.0.0.1", port: Number(u.port || defaultPort) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

const redisUp = await answers(REDIS_URL, 6379);
const postgresUp = await answers(DATABASE_URL, 5432);

type Describe = typeof describe;

function gate(name: string, up: boolean, url: string): Describe {
  if (up) return describe;
  if (process.env.CI === "true") throw new Error(`${name} does not answer at ${url}; under CI=true this is a failure (.ci/run starts it)`);
  console.warn(`\n!!! SKIPPING ${name} SUITE: nothing answers at ${url}. Start ${name} or set the URL to run it. !!!\n`);
  return describe.skip as unknown as Describe;
}

/** `describe` when Redis answers; skipped loudly otherwise (a failure under CI). */
export const describeRedis: Describe = gate("Redis", redisUp, REDIS_URL);
/** `describe` when PostgreSQL answers; skipped loudly otherwise (a failure under CI). */
export const describePostgres: Describe = gate("PostgreSQL", postgresUp, DATABASE_URL);

/** A key prefix / schema name unique to this test file run. */
export function uniqueName(base: string): string {
  return `${base}_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
}
