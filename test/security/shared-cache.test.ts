import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { type Client, createClient } from "../../src/client/create-client.js";
import { apiKey, basic, bearer } from "../../src/middleware/auth/auth.js";
import type { CacheStore } from "../../src/middleware/cache/store.js";
import { oauth2 } from "../../src/oauth/index.js";
import { memoryStore } from "../../src/stores/memory.js";
import { redisStore } from "../../src/stores/redis.js";
import type { Middleware } from "../../src/types.js";
import { useRedis } from "../support/databases.js";
import { describeRedis } from "../support/services.js";
import { useSimulator } from "../support/simulator.js";

/** An API whose `/me` answers who is asking, cacheable for a minute (optionally `public`). */
const env = useSimulator();
let served = 0;
beforeEach(() => {
  served = 0;
  env.sim.route("GET", "/me", (req) => {
    served++;
    const who = req.headers.authorization ?? req.headers["x-api-key"] ?? req.query.key ?? "nobody";
    return { headers: { "cache-control": "max-age=60" }, json: { who } };
  });
  env.sim.route("GET", "/catalog", () => {
    served++;
    return { headers: { "cache-control": "public, max-age=60" }, json: { n: served } };
  });
});

const clients: Client[] = [];
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
});
function client(store: CacheStore, auth: Middleware, shared = true): Client {
  const c = createClient({ baseUrl: env.sim.url, retry: false, auth, cache: { store, shared } });
  clients.push(c);
  return c;
}

function oauthFor() {
  return oauth2({ endpoints: { token: `${env.sim.url}/token` }, clientId: "app", allowInsecureRequests: true });
}

function credentialCases(): Array<[string, () => Promise<[Middleware, Middleware]>]> {
  return [
    ["two bearer tokens", async () => [bearer("tok-alice"), bearer("tok-bob")]],
    ["two bearer token functions", async () => [bearer(async () => "fn-alice"), bearer(async () => "fn-bob")]],
    ["two API keys in a header", async () => [apiKey({ header: "x-api-key", value: "key-alice" }), apiKey({ header: "x-api-key", value: "key-bob" })]],
    ["two API keys in the query", async () => [apiKey({ query: "key", value: "qk-alice" }), apiKey({ query: "key", value: "qk-bob" })]],
    ["two basic credentials", async () => [basic({ username: "alice", password: "pa" }), basic({ username: "bob", password: "pb" })]],
    [
      "two OAuth connections",
      async () => {
        const oauth = oauthFor();
        const far = { accessToken: "", tokenType: "Bearer", expiresAt: Date.now() + 3_600_000 };
        await oauth.tokens.set("alice", { ...far, accessToken: "oa-alice" });
        await oauth.tokens.set("bob", { ...far, accessToken: "oa-bob" });
        return [oauth.auth("alice"), oauth.auth("bob")];
      },
    ],
  ];
}

function suite(name: string, makeStore: () => CacheStore) {
  describe(`a cache shared by several users (${name})`, () => {
    for (const [label, make] of credentialCases()) {
      it(`${label}: Bob never gets Alice's response, each gets their own cached one`, async () => {
        const store = makeStore();
        const [a, b] = await make();
        const alice = client(store, a);
        const bob = client(store, b);
        const first = (await alice.get("/me")) as { who: string };
        const second = (await bob.get("/me")) as { who: string };
        expect(second.who).not.toBe(first.who);
        expect(served).toBe(2);
        expect(await alice.get("/me")).toEqual(first);
        expect(await bob.get("/me")).toEqual(second);
        expect(served).toBe(2);
      });
    }

    it("the same holds with shared: false when two clients share one store", async () => {
      const store = makeStore();
      const alice = client(store, bearer("p-alice"), false);
      const bob = client(store, bearer("p-bob"), false);
      expect(await alice.get("/me")).toEqual({ who: "Bearer p-alice" });
      expect(await bob.get("/me")).toEqual({ who: "Bearer p-bob" });
    });

    it("an explicitly public response is shared across credentials", async () => {
      const store = makeStore();
      const alice = client(store, bearer("pub-alice"));
      const bob = client(store, bearer("pub-bob"));
      expect(await alice.get("/catalog")).toEqual({ n: 1 });
      expect(await bob.get("/catalog")).toEqual({ n: 1 });
      expect(served).toBe(1);
    });

    it("an auth middleware ballast cannot identify: only public responses are served from the shared cache", async () => {
      const store = makeStore();
      const custom = (token: string): Middleware =>
        function customAuth(req, next) {
          return next({ ...req, headers: { ...req.headers, authorization: `Custom ${token}` } });
        };
      const alice = client(store, custom("c-alice"));
      const bob = client(store, custom("c-bob"));
      expect(await alice.get("/me")).toEqual({ who: "Custom c-alice" });
      expect(await bob.get("/me")).toEqual({ who: "Custom c-bob" });
      expect(await alice.get("/catalog")).toEqual({ n: 3 });
      expect(await bob.get("/catalog")).toEqual({ n: 3 });
    });

    for (const shared of [true, false]) {
      it(`an authorization header given per call partitions too (shared: ${shared})`, async () => {
        const store = makeStore();
        const c = createClient({ baseUrl: env.sim.url, retry: false, cache: { store, shared } });
        clients.push(c);
        expect(await c.get("/me", { headers: { authorization: "Bearer call-alice" } })).toEqual({ who: "Bearer call-alice" });
        expect(await c.get("/me", { headers: { authorization: "Bearer call-bob" } })).toEqual({ who: "Bearer call-bob" });
      });
    }
  });
}

suite("memoryStore", () => memoryStore());

describeRedis("over Redis", () => {
  const { redis, nextPrefix } = useRedis("sharedcache");
  suite("redisStore", () => redisStore(redis, { prefix: nextPrefix() }));
});
