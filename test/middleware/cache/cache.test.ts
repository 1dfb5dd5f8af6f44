import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { systemClock } from "../../../src/clock.js";
import { CACHE_STATUS_HEADER, cache } from "../../../src/middleware/cache/cache.js";
import { memoryStore } from "../../../src/stores/memory.js";
import { redisStore } from "../../../src/stores/redis.js";
import { createFakeClock, type FakeClock } from "../../../src/testing/fake-clock.js";
import { fingerprint } from "../../../src/util/fingerprint.js";
import { useRedis } from "../../support/databases.js";
import { describeRedis } from "../../support/services.js";
import { type Origin, pipeline, request, startOrigin, text } from "./fixtures.js";

let origin: Origin;
let clock: FakeClock;
let pipe: ReturnType<typeof pipeline> | undefined;
beforeEach(async () => {
  origin = await startOrigin();
  // Server Date headers are real time; start the fake clock there too.
  clock = createFakeClock(Date.now());
});
afterEach(async () => {
  await pipe?.close();
  pipe = undefined;
  await origin.close();
});

function setup(options: Parameters<typeof cache>[0] = {}) {
  const policy = cache({ clock, ...options });
  pipe = pipeline([policy]);
  const get = async (path: string, headers: Record<string, string> = {}) => {
    const res = await pipe!.send(request(origin.origin, path, { headers }));
    return { status: res.status, headers: res.headers, body: await text(res) };
  };
  return { policy, get, send: pipe.send };
}

describe("cache(): freshness", () => {
  it("serves a fresh response from the cache without contacting the server; each caller reads its own body", async () => {
    let n = 0;
    origin.handle = (_req, res) => res.writeHead(200, { "cache-control": "max-age=60", "content-type": "application/json" }).end(JSON.stringify({ n: ++n }));
    const { policy, get } = setup();
    const first = await get("/users/1");
    await clock.advance(30_000);
    const second = await get("/users/1");
    const third = await get("/users/1");
    expect([first.body, second.body, third.body]).toEqual(['{"n":1}', '{"n":1}', '{"n":1}']);
    expect(second.headers[CACHE_STATUS_HEADER]).toBe("HIT");
    expect(Number(second.headers.age)).toBeGreaterThanOrEqual(30);
    expect(origin.seen).toHaveLength(1);
    expect(policy.stats()).toMatchObject({ hits: 2, misses: 1, stored: 1 });
  });

  it("goes back to the server once max-age has passed (no validator: a full fetch)", async () => {
    let n = 0;
    origin.handle = (_req, res) => res.writeHead(200, { "cache-control": "max-age=10" }).end(String(++n));
    const { get } = setup();
    await get("/a");
    await clock.advance(11_000);
    expect((await get("/a")).body).toBe("2");
    expect(origin.seen).toHaveLength(2);
  });

  it("keys on method, origin and path including the query", async () => {
    origin.handle = (req, res) => res.writeHead(200, { "cache-control": "max-age=60" }).end(req.url);
    const { get } = setup();
    expect((await get("/a?x=1")).body).toBe("/a?x=1");
    expect((await get("/a?x=2")).body).toBe("/a?x=2");
    expect((await get("/a?x=1")).body).toBe("/a?x=1");
    expect(origin.seen).toHaveLength(2);
  });
});

describe("cache(): revalidation", () => {
  it("revalidates a stale entry with If-None-Match; a 304 reuses the cached body", async () => {
    origin.handle = (req, res) => {
      if (req.headers["if-none-match"] === '"v1"') return void res.writeHead(304, { etag: '"v1"', "cache-control": "max-age=10" }).end();
      res.writeHead(200, { etag: '"v1"', "cache-control": "max-age=10", "content-type": "text/plain" }).end("body v1");
    };
    const { policy, get } = setup();
    await get("/doc");
    await clock.advance(20_000);
    const again = await get("/doc");
    expect(again).toMatchObject({ status: 200, body: "body v1" });
    expect(again.headers[CACHE_STATUS_HEADER]).toBe("REVALIDATED");
    expect(origin.seen[1]?.headers["if-none-match"]).toBe('"v1"');
    // The 304 refreshed the entry: fresh again for 10 s.
    await get("/doc");
    expect(origin.seen).toHaveLength(2);
    expect(policy.stats()).toMatchObject({ hits: 1, revalidated: 1, misses: 1 });
  });

  it("revalidates with If-Modified-Since; a changed resource replaces the entry", async () => {
    const lastModified = new Date(Date.now() - 3_600_000).toUTCString();
    let version = 1;
    origin.handle = (req, res) => {
      if (version === 1 && req.headers["if-modified-since"] === lastModified) return void res.writeHead(304).end();
      res.writeHead(200, { "last-modified": lastModified, "cache-control": "no-cache" }).end(`v${version}`);
    };
    const { policy, get } = setup();
    expect((await get("/r")).body).toBe("v1");
    expect((await get("/r")).body).toBe("v1"); // no-cache: always asks, 304
    version = 2;
    expect((await get("/r")).body).toBe("v2");
    expect(origin.seen.map((s) => s.headers["if-modified-since"])).toEqual([undefined, lastModified, lastModified]);
    expect(policy.stats()).toMatchObject({ hits: 0, revalidated: 1 });
  });
});

describe("cache(): what is not stored", () => {
  it("never stores no-store", async () => {
    origin.handle = (_req, res) => res.writeHead(200, { "cache-control": "no-store, max-age=60" }).end("x");
    const { policy, get } = setup();
    await get("/s");
    await get("/s");
    expect(origin.seen).toHaveLength(2);
    expect(policy.stats().stored).toBe(0);
  });

  it("stores `private` as a private cache (the default), not as a shared one", async () => {
    origin.handle = (_req, res) => res.writeHead(200, { "cache-control": "private, max-age=60" }).end("mine");
    const priv = setup();
    await priv.get("/me");
    await priv.get("/me");
    expect(origin.seen).toHaveLength(1);
    await pipe?.close();
    const shared = setup({ shared: true });
    await shared.get("/me");
    await shared.get("/me");
    expect(origin.seen).toHaveLength(3);
  });

  it("Vary: a request with other values for the varying headers is a miss", async () => {
    origin.handle = (req, res) => res.writeHead(200, { "cache-control": "max-age=60", vary: "accept-language" }).end(String(req.headers["accept-language"]));
    const { get } = setup();
    expect((await get("/v", { "accept-language": "en" })).body).toBe("en");
    expect((await get("/v", { "accept-language": "fr" })).body).toBe("fr");
    expect((await get("/v", { "accept-language": "fr" })).body).toBe("fr");
    expect(origin.seen).toHaveLength(2);
  });

  it("does not cache POST, and a successful POST to the URL drops its GET entry", async () => {
    origin.handle = (req, res) => res.writeHead(200, { "cache-control": "max-age=60" }).end(req.method);
    const { policy, get, send } = setup();
    await get("/items");
    await text(await send(request(origin.origin, "/items", { method: "POST", body: "{}" })));
    await get("/items");
    expect(origin.seen.map((s) => s.method)).toEqual(["GET", "POST", "GET"]);
    expect(policy.stats().invalidated).toBe(1);
  });

  it("passes a response larger than maxEntryBytes through intact, unstored", async () => {
    const big = "x".repeat(100_000);
    origin.handle = (_req, res) => {
      res.writeHead(200, { "cache-control": "max-age=60" }); // chunked: size unknown up front
      res.write(big.slice(0, 50_000));
      setTimeout(() => res.end(big.slice(50_000)), 5);
    };
    const { policy, get } = setup({ maxEntryBytes: 10_000 });
    expect((await get("/big")).body).toBe(big);
    expect((await get("/big")).body).toBe(big);
    expect(origin.seen).toHaveLength(2);
    expect(policy.stats().stored).toBe(0);
  });

  it("the default store stays within maxBytes, evicting the least recently used entry", async () => {
    origin.handle = (req, res) => res.writeHead(200, { "cache-control": "max-age=600" }).end("y".repeat(1000) + req.url);
    const { policy, get } = setup({ maxBytes: 6000 });
    for (const p of ["/1", "/2", "/3"]) await get(p);
    await get("/1"); // /1 is now the most recently used
    await get("/4"); // evicts /2
    const size = policy.stats().size;
    expect(size?.bytes).toBeLessThanOrEqual(6000);
    origin.seen.length = 0;
    await get("/1");
    await get("/2");
    expect(origin.seen.map((s) => s.url)).toEqual(["/2"]);
  });
});

describe("cache(): options", () => {
  it("rejects invalid options naming them", () => {
    expect(() => cache({ maxBytes: 0 })).toThrow(expect.objectContaining({ option: "cache.maxBytes" }));
    expect(() => cache({ keepStale: "soon" as never })).toThrow(expect.objectContaining({ option: "cache.keepStale" }));
    expect(() => cache({ store: {} as never })).toThrow(expect.objectContaining({ option: "cache.store" }));
  });

  it("works over memoryStore() and partitions entries per account", async () => {
    origin.handle = (req, res) => res.writeHead(200, { "cache-control": "max-age=60" }).end(String(req.headers["x-account"]));
    const { get } = setup({ store: memoryStore(), partition: (req) => req.headers["x-account"] ?? "" });
    expect((await get("/me", { "x-account": "a" })).body).toBe("a");
    expect((await get("/me", { "x-account": "b" })).body).toBe("b");
    expect((await get("/me", { "x-account": "a" })).body).toBe("a");
    expect(origin.seen).toHaveLength(2);
  });
});

describe("cache(): secrets", () => {
  it("never writes request headers that Vary does not name (an API key header) to the store", async () => {
    origin.handle = (_req, res) => res.writeHead(200, { "cache-control": "max-age=60", vary: "accept" }).end("ok");
    const store = memoryStore();
    const { get } = setup({ store, prefix: "t:" });
    await get("/k", { "x-api-key": "sk_live_secret", accept: "text/plain" });
    // Entries of a request carrying a key header live under that key's fingerprint, never the key itself.
    const raw = await store.get(`t:@${fingerprint("x-api-key:sk_live_secret\n")}|GET ${origin.origin}/k`);
    expect(raw).toBeDefined();
    expect(raw).not.toContain("sk_live_secret");
    expect(raw).toContain("text/plain");
    // Vary still works with the trimmed headers.
    await get("/k", { "x-api-key": "sk_live_secret", accept: "text/plain" });
    expect(origin.seen).toHaveLength(1);
  });
});

describeRedis("cache() over redisStore", () => {
  const { redis, prefix } = useRedis("cache");

  it("two caches (two processes) share entries through Redis", async () => {
    let n = 0;
    origin.handle = (_req, res) => res.writeHead(200, { "cache-control": "max-age=60", etag: '"e"' }).end(`n${++n}`);
    const store = redisStore(redis, { prefix });
    const a = setup({ store, clock: systemClock });
    expect((await a.get("/shared")).body).toBe("n1");
    const b = cache({ store });
    const pb = (await import("./fixtures.js")).pipeline([b]);
    try {
      const res = await pb.send(request(origin.origin, "/shared"));
      expect(await text(res)).toBe("n1");
      expect(b.stats().hits).toBe(1);
    } finally {
      await pb.close();
    }
    expect(origin.seen).toHaveLength(1);
  });
});
