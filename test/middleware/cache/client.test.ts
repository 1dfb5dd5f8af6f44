// cache and dedupe as createClient options: outermost in the pipeline.
import { describe, expect, it, onTestFinished } from "vitest";
import { createClient } from "../../../src/client/create-client.js";
import type { Middleware } from "../../../src/types.js";
import { useSimulator } from "../../support/simulator.js";

const env = useSimulator();

describe("createClient({ cache, dedupe })", () => {
  it("a cached response costs no request; a POST invalidates it; stats show both policies", async () => {
    let n = 0;
    env.sim.route("GET", "/config", () => ({ headers: { "cache-control": "max-age=60", etag: '"c1"' }, json: { n: ++n } }));
    env.sim.route("POST", "/config", { status: 204 });
    const client = createClient({ baseUrl: env.sim.url, cache: true, dedupe: true, retry: false });
    try {
      expect(await client.get("/config")).toEqual({ n: 1 });
      expect(await client.get("/config")).toEqual({ n: 1 });
      await client.post("/config", { json: {} });
      expect(await client.get("/config")).toEqual({ n: 2 });
      expect(n).toBe(2);
      const { policies } = client.stats();
      expect(policies.cache).toMatchObject({ hits: 1, misses: 2, invalidated: 1 });
      expect(policies.dedupe).toMatchObject({ sent: 2 });
    } finally {
      await client.close();
    }
  });

  it("concurrent identical GETs share one call through the client", async () => {
    let n = 0;
    env.sim.route("GET", "/slow", () => ({ delay: 50, json: { n: ++n } }));
    const client = createClient({ baseUrl: env.sim.url, dedupe: true, retry: false });
    try {
      const results = await Promise.all([client.get("/slow"), client.get("/slow"), client.get("/slow")]);
      expect(results).toEqual([{ n: 1 }, { n: 1 }, { n: 1 }]);
      expect(n).toBe(1);
    } finally {
      await client.close();
    }
  });

  it("a custom auth middleware that names its credential in `credential` has private responses cached; one that does not, not", async () => {
    let n = 0;
    env.sim.route("GET", "/me", () => ({ headers: { "cache-control": "private, max-age=60" }, json: { n: ++n } }));
    const signer = (): Middleware => (req, next) => next({ ...req, headers: { ...req.headers, authorization: "Token t-1" } });
    const unnamed = createClient({ baseUrl: env.sim.url, cache: true, retry: false, auth: signer() });
    const named = createClient({ baseUrl: env.sim.url, cache: true, retry: false, auth: Object.assign(signer(), { credential: "key-of-t-1" }) });
    onTestFinished(() => Promise.all([unnamed.close(), named.close()]).then(() => undefined));
    await unnamed.get("/me");
    await unnamed.get("/me");
    expect(n).toBe(2);
    await named.get("/me");
    expect(await named.get("/me")).toEqual({ n: 3 });
    expect(n).toBe(3);
  });
});
