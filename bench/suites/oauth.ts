/**
 * Issue 8: what OAuth adds per request. (1) `TokenManager.get()` alone with a
 * valid token — in-process cache hit, decrypt from the memory store each time
 * (cache off), and a Redis round trip + decrypt each time (cache off); (2)
 * requests per second through `auth(connectionId)` against a loopback server
 * versus the bare transport and versus a static `bearer()` header.
 * Interleaved rounds, medians.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Redis } from "ioredis";
import { compose } from "../../src/compose.js";
import { bearer } from "../../src/middleware/auth/auth.js";
import { generateEncryptionKey, memoryTokenStore, redisTokenStore, TokenManager, type TokenSet, tokenAuth } from "../../src/oauth/index.js";
import { undiciTransport } from "../../src/transport/undici.js";
import type { ApiRequest, Next } from "../../src/types.js";

export const title = "OAuth: token lookup cost and requests per second through auth()";

const ROUNDS = process.env.BENCH_QUICK === "1" ? 2 : 5;
const ROUND_MS = 300;
const REQUESTS = 2000;
const CONCURRENCY = 32;

const token: TokenSet = {
  accessToken: `at-${"x".repeat(900)}`,
  refreshToken: `rt-${"y".repeat(200)}`,
  tokenType: "bearer",
  expiresAt: Date.now() + 86_400_000,
};
const renew = async (): Promise<TokenSet> => token;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function opsPerSecond(op: () => Promise<unknown>): Promise<number> {
  let n = 0;
  const end = performance.now() + ROUND_MS;
  while (performance.now() < end) {
    for (let i = 0; i < 50; i++) await op();
    n += 50;
  }
  return n / (ROUND_MS / 1000);
}

async function requestsPerSecond(send: Next, req: ApiRequest): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < REQUESTS) {
        const res = await send(req);
        for await (const _chunk of res.body ?? []) {
          // drain
        }
      }
    }),
  );
  return REQUESTS / ((performance.now() - started) / 1000);
}

export async function run(): Promise<string> {
  const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
  const encryption = { keys: { k1: generateEncryptionKey() }, current: "k1" };
  const prefix = `bench:oauth:${process.pid}:`;
  const managers = {
    "cache hit (any store)": new TokenManager({ store: memoryTokenStore(), renew }),
    "memory store, cache off (decrypt)": new TokenManager({ store: memoryTokenStore(), renew, cacheSize: 0 }),
    "Redis store, cache off (round trip + decrypt)": new TokenManager({ store: redisTokenStore(redis, { encryption, prefix }), renew, cacheSize: 0 }),
  };
  for (const m of Object.values(managers)) await m.set("c1", token);

  const lookups: Record<string, number[]> = Object.fromEntries(Object.keys(managers).map((k) => [k, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, m] of Object.entries(managers)) lookups[name]?.push(await opsPerSecond(() => m.get("c1")));
  }

  const server = createServer((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}'));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const transport = undiciTransport();
  const req: ApiRequest = { method: "GET", origin, path: "/", route: "/", headers: {}, replayable: true, attempt: 1, context: {} };
  const cached = managers["cache hit (any store)"];
  const pipelines: Record<string, Next> = {
    "bare transport (baseline)": transport.send,
    "static bearer()": compose([bearer(token.accessToken)], transport.send),
    "auth(connectionId), cached token": compose([tokenAuth((rejected) => cached.get("c1", { rejected }))], transport.send),
  };
  const rps: Record<string, number[]> = Object.fromEntries(Object.keys(pipelines).map((k) => [k, []]));
  for (const send of Object.values(pipelines)) await requestsPerSecond(send, req); // warm up
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, send] of Object.entries(pipelines)) rps[name]?.push(await requestsPerSecond(send, req));
  }

  await transport.close();
  await new Promise<void>((r) => server.close(() => r()));
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();

  const lookupBase = median(lookups["cache hit (any store)"] as number[]);
  const rpsBase = median(rps["bare transport (baseline)"] as number[]);
  const lines = [
    "`TokenManager.get()` with a valid token (1 KB access token):",
    "",
    "| lookup | ops/s | µs/op | vs cache hit |",
    "|---|---:|---:|---:|",
    ...Object.entries(lookups).map(([name, xs]) => {
      const m = median(xs);
      return `| ${name} | ${Math.round(m).toLocaleString("en")} | ${(1e6 / m).toFixed(2)} | ${(m / lookupBase).toFixed(3)}× |`;
    }),
    "",
    `Requests per second, ${REQUESTS} GETs at concurrency ${CONCURRENCY} to a loopback server:`,
    "",
    "| pipeline | req/s | vs bare transport |",
    "|---|---:|---:|",
    ...Object.entries(rps).map(([name, xs]) => {
      const m = median(xs);
      return `| ${name} | ${Math.round(m).toLocaleString("en")} | ${(m / rpsBase).toFixed(3)}× |`;
    }),
  ];
  return lines.join("\n");
}
