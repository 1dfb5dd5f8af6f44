import { describe, expect, it } from "vitest";
import { type Client, createClient } from "../../../src/client/create-client.js";
import { isHttpError } from "../../../src/errors.js";
import { memoryStore } from "../../../src/stores/memory.js";
import { redisStore } from "../../../src/stores/redis.js";
import type { Store } from "../../../src/stores/types.js";
import { useRedis } from "../../support/databases.js";
import { startServer } from "../../support/http-server.js";
import { describeRedis } from "../../support/services.js";

type Refusal = (now: number) => Record<string, string>;

const refusals: Array<[string, number, Refusal]> = [
  ["403 + Retry-After", 403, () => ({ "retry-after": "1" })],
  ["403 + x-ratelimit-remaining: 0 + epoch reset", 403, (now) => ({ "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(Math.ceil(now / 1000) + 1) })],
  ["429 + Retry-After", 429, () => ({ "retry-after": "1" })],
];

/** A server that refuses the first request with `status` and `headers`, then answers 200, recording arrival times. */
async function secondaryLimited(status: number, refusal: Refusal) {
  const arrivals: number[] = [];
  let refusedAt = 0;
  const server = await startServer((req, res) => {
    req.resume();
    arrivals.push(performance.now());
    if (arrivals.length === 1) {
      refusedAt = performance.now();
      res.writeHead(status, { "content-type": "application/json", ...refusal(Date.now()) });
      res.end('{"message":"You have exceeded a secondary rate limit."}');
      return;
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end("{}");
  });
  return {
    url: server.origin,
    arrivals,
    refusedAt: () => refusedAt,
    close: server.close,
  };
}

/** Two clients (two processes' worth) sharing `store`: after the refusal, neither sends until the pause ends. */
function pausesEveryone(makeStore: () => Store) {
  it.each(refusals)("%s pauses every queued request of the key until the time it names", async (_what, status, refusal) => {
    const server = await secondaryLimited(status, refusal);
    const store = makeStore();
    const [a, b] = [0, 1].map(() =>
      createClient({ baseUrl: server.url, store, retry: false, rateLimit: { limits: [{ requests: 10, per: "1s", burst: 10 }], key: "github" } }),
    ) as [Client, Client];
    try {
      const first = await a.get("/repos/o/r").catch((e: unknown) => e);
      expect(isHttpError(first) && first.status === status).toBe(true);
      await Promise.all([a.get("/x"), a.get("/y"), b.get("/z")]);
      expect(server.arrivals).toHaveLength(4);
      // Retry-After: 1 is 1 s; the epoch reset is the end of the next second: at least 1 s away
      expect(Math.min(...server.arrivals.slice(1)) - server.refusedAt()).toBeGreaterThanOrEqual(900);
    } finally {
      await a.close();
      await b.close();
      await server.close();
    }
  });
}

describe("with the memory store", () => pausesEveryone(() => memoryStore()));

describeRedis("with the Redis store", () => {
  const { redis, nextPrefix } = useRedis("secondary");
  pausesEveryone(() => redisStore(redis, { prefix: nextPrefix() }));
});
