import { describe, expect, it, onTestFinished } from "vitest";
import { createClient } from "../../../src/client/create-client.js";
import { isConfigError } from "../../../src/errors.js";
import { apiKey, basic, bearer } from "../../../src/middleware/auth/auth.js";
import { constantBackoff } from "../../../src/middleware/retry/backoff.js";
import { fetchTransport } from "../../../src/transport/fetch.js";
import { useSimulator } from "../../support/simulator.js";

const env = useSimulator();

const headersOf = () =>
  env.sim.route("GET", "/me", (req) => ({
    json: { authorization: req.headers.authorization ?? null, key: req.headers["x-api-key"] ?? null, query: req.query },
  }));

describe("auth", () => {
  it("bearer sends Authorization: Bearer", async () => {
    headersOf();
    const c = createClient({ baseUrl: env.sim.url, auth: bearer("tok_1") });
    onTestFinished(() => c.close());
    expect(await c.get("/me")).toMatchObject({ authorization: "Bearer tok_1" });
  });

  it("a token function is called on every attempt, so a rotated key is picked up by the retry", async () => {
    const route = env.sim.route("GET", "/r", [{ status: 503 }, { json: {} }]);
    let n = 0;
    const c = createClient({ baseUrl: env.sim.url, auth: bearer(async () => `tok_${++n}`), retry: { backoff: constantBackoff(1) } });
    onTestFinished(() => c.close());
    await c.get("/r");
    expect(route.requests.map((r) => r.headers.authorization)).toEqual(["Bearer tok_1", "Bearer tok_2"]);
  });

  const vaultDown = [
    ["bearer", () => bearer(() => new Promise<string>(() => {}))],
    ["apiKey in a header", () => apiKey({ header: "x-api-key", value: () => new Promise<string>(() => {}) })],
    ["apiKey in the query", () => apiKey({ query: "api_key", value: () => new Promise<string>(() => {}) })],
    ["basic", () => basic({ username: "u", password: () => new Promise<string>(() => {}) })],
  ] as const;

  describe.each([
    ["undici (the default)", () => undefined],
    ["fetch", () => fetchTransport()],
  ])("%s transport", (_transport, make) => {
    it.each(vaultDown)("%s: a secret function that never answers (a vault down) ends the call at its timeout, unsent", async (_name, auth) => {
      const route = headersOf();
      const transport = make();
      const c = createClient({ baseUrl: env.sim.url, auth: auth(), retry: false, timeout: 150, ...(transport && { transport }) });
      onTestFinished(() => c.close());
      await expect(c.get("/me")).rejects.toMatchObject({ code: "BALLAST_TIMEOUT" });
      expect(route.calls).toBe(0);
    });

    it.each(vaultDown)("%s: the caller's signal ends the wait for the secret", async (_name, auth) => {
      const route = headersOf();
      const transport = make();
      const c = createClient({ baseUrl: env.sim.url, auth: auth(), retry: false, timeout: 60_000, ...(transport && { transport }) });
      onTestFinished(() => c.close());
      const controller = new AbortController();
      const call = c.get("/me", { signal: controller.signal });
      controller.abort(new Error("user gave up"));
      await expect(call).rejects.toMatchObject({ code: "BALLAST_ABORT" });
      expect(route.calls).toBe(0);
    });
  });

  it("apiKey goes in the named header or query parameter", async () => {
    headersOf();
    const h = createClient({ baseUrl: env.sim.url, auth: apiKey({ header: "X-Api-Key", value: "k1" }) });
    onTestFinished(() => h.close());
    expect(await h.get("/me")).toMatchObject({ key: "k1" });
    const q = createClient({ baseUrl: env.sim.url, auth: apiKey({ query: "api_key", value: () => "k 2" }) });
    onTestFinished(() => q.close());
    expect(await q.get("/me", { query: { a: 1 } })).toMatchObject({ query: { a: "1", api_key: "k 2" } });
  });

  it("basic encodes username:password", async () => {
    headersOf();
    const c = createClient({ baseUrl: env.sim.url, auth: basic({ username: "AC123", password: "pw" }) });
    onTestFinished(() => c.close());
    expect(await c.get("/me")).toMatchObject({ authorization: `Basic ${Buffer.from("AC123:pw").toString("base64")}` });
  });

  it("names its credential in `credential` by a fingerprint, never the secret", async () => {
    const same = bearer("tok_1").credential;
    expect(typeof same).toBe("string");
    expect(same).not.toContain("tok_1");
    expect(bearer("tok_1").credential).toBe(same);
    expect(bearer("tok_2").credential).not.toBe(same);
    const rotating = bearer(async () => "tok_1").credential;
    expect(typeof rotating).toBe("function");
    expect(await (rotating as (req: unknown) => Promise<string>)({})).toBe(same);
  });

  it("rejects invalid auth options at construction", () => {
    for (const make of [
      () => bearer(""),
      () => apiKey({ value: "x" } as never),
      () => apiKey({ header: "bad header", value: "x" }),
      () => basic({ username: "a:b", password: "p" }),
    ]) {
      let caught: unknown;
      try {
        make();
      } catch (e) {
        caught = e;
      }
      expect(isConfigError(caught)).toBe(true);
    }
  });
});
