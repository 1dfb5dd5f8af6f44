import { describe, expect, it, onTestFinished } from "vitest";
import { createClient } from "../../src/client/create-client.js";
import { type HttpError, isConfigError } from "../../src/errors.js";
import { useSimulator } from "../support/simulator.js";

const env = useSimulator();

const fast = { backoff: { base: 1, cap: 2 } };

describe('idempotencyKey: "auto"', () => {
  it("gives every POST and PATCH a fresh key, the same on each of its retries; other methods get none", async () => {
    const route = env.sim.route("POST", "/charges", [{ fault: "reset" }, { status: 503 }, { json: { ok: true } }]);
    env.sim.route("PATCH", "/charges/1", { json: {} });
    env.sim.route("PUT", "/charges/1", { json: {} });
    const client = createClient({ baseUrl: env.sim.url, idempotencyKey: "auto", idempotencyHeader: "X-Idem", retry: fast });
    onTestFinished(() => client.close());
    expect(await client.post("/charges", { json: { amount: 1 } })).toEqual({ ok: true });
    const keys = route.requests.map((r) => r.headers["x-idem"]);
    expect(keys).toHaveLength(3);
    expect(new Set(keys).size).toBe(1);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);

    await client.post("/charges", { json: { amount: 2 } });
    expect(route.requests[3]?.headers["x-idem"]).not.toBe(keys[0]);
    await client.patch("/charges/1", { json: {} });
    await client.put("/charges/1", { json: {} });
    const [patch, put] = env.sim.requests.slice(-2);
    expect(patch?.headers["x-idem"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(put?.headers["x-idem"]).toBeUndefined();
  });

  it("a call's own key wins, and idempotencyKey: false sends none (and so is not retried after sending)", async () => {
    const route = env.sim.route("POST", "/send", { status: 503 });
    const client = createClient({ baseUrl: env.sim.url, idempotencyKey: "auto", retry: fast });
    onTestFinished(() => client.close());
    await client.post("/send", { json: {}, idempotencyKey: "mine" }).catch(() => {});
    expect(route.requests.map((r) => r.headers["idempotency-key"])).toEqual(["mine", "mine", "mine", "mine"]);
    await client.post("/send", { json: {}, idempotencyKey: false }).catch(() => {});
    expect(route.requests).toHaveLength(5);
    expect(route.requests[4]?.headers["idempotency-key"]).toBeUndefined();
  });

  it('refuses any client value but "auto"', () => {
    expect(() => createClient({ baseUrl: env.sim.url, idempotencyKey: "always" as never })).toThrow(/"idempotencyKey"/);
  });
});

describe("per-call retry", () => {
  it("{ retry: false } and { retry: { attempts } } replace the client's policy for one call", async () => {
    const route = env.sim.route("GET", "/flaky", { status: 503 });
    const client = createClient({ baseUrl: env.sim.url, retry: { attempts: 4, ...fast } });
    onTestFinished(() => client.close());
    await expect(client.get("/flaky", { retry: false })).rejects.toMatchObject({ status: 503, attempts: 1 });
    await expect(client.get("/flaky", { retry: { attempts: 2 } })).rejects.toMatchObject({ status: 503, attempts: 2 });
    await expect(client.get("/flaky")).rejects.toMatchObject({ attempts: 4 });
    expect(route.requests).toHaveLength(7);
  });

  it("a client built with retry: false retries the calls that ask for it", async () => {
    const route = env.sim.route("GET", "/once", [{ status: 502 }, { json: { ok: 1 } }]);
    const client = createClient({ baseUrl: env.sim.url, retry: false });
    onTestFinished(() => client.close());
    expect(await client.get("/once", { retry: { attempts: 2 } })).toEqual({ ok: 1 });
    expect(route.requests).toHaveLength(2);
  });

  it("refuses a bad per-call value, naming the option", async () => {
    const client = createClient({ baseUrl: env.sim.url });
    onTestFinished(() => client.close());
    const err = await client.get("/x", { retry: { attempts: 0 } }).catch((e: unknown) => e);
    expect(isConfigError(err) && err.option).toBe("retry.attempts");
  });
});

describe("requests the server refused are retried whatever their method", () => {
  it("an un-keyed POST answered 429 is retried after Retry-After; a 503 is not", async () => {
    const limited = env.sim.route("POST", "/messages", [{ status: 429, headers: { "retry-after": "0" } }, { json: { sent: true } }]);
    const failing = env.sim.route("POST", "/other", { status: 503 });
    const client = createClient({ baseUrl: env.sim.url, retry: fast });
    onTestFinished(() => client.close());
    expect(await client.post("/messages", { json: { text: "hi" } })).toEqual({ sent: true });
    expect(limited.requests).toHaveLength(2);
    await expect(client.post("/other", { json: {} })).rejects.toMatchObject({ status: 503, attempts: 1 });
    expect(failing.requests).toHaveLength(1);
  });

  it("GitHub's secondary limit — a 403 with Retry-After, or x-ratelimit-remaining: 0 with a reset — is retried after that time", async () => {
    let reset = 0;
    const a = env.sim.route("POST", "/repos/o/r/issues", [
      { status: 403, headers: { "retry-after": "1" }, json: { message: "You have exceeded a secondary rate limit" } },
      { status: 201, json: { number: 1 } },
    ]);
    let calls = 0;
    const b = env.sim.route("GET", "/user", () => {
      if (calls++ > 0) return { json: { login: "octocat" } };
      reset = Math.ceil(Date.now() / 1000) + 1; // at least a second ahead of the 403
      return { status: 403, headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(reset) }, json: { message: "API rate limit exceeded" } };
    });
    const forbidden = env.sim.route("GET", "/private", { status: 403, json: { message: "Resource not accessible by integration" } });
    const client = createClient({ baseUrl: env.sim.url, retry: fast });
    onTestFinished(() => client.close());
    const t0 = Date.now();
    expect(await client.post("/repos/o/r/issues", { json: { title: "x" } })).toEqual({ number: 1 });
    expect(a.requests[1]?.receivedAt).toBeGreaterThanOrEqual((a.requests[0]?.receivedAt ?? 0) + 990);
    expect(await client.get("/user")).toEqual({ login: "octocat" });
    expect(b.requests[1]?.receivedAt).toBeGreaterThanOrEqual(reset * 1000 - 10);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(990);
    const err = (await client.get("/private").catch((e: unknown) => e)) as HttpError;
    expect(err).toMatchObject({ status: 403, attempts: 1, retryable: false });
    expect(forbidden.requests).toHaveLength(1);
  });

  it("garbage Retry-After falls back to the backoff, never a zero-delay retry", async () => {
    const route = env.sim.route("GET", "/busy", [
      { status: 503, headers: { "retry-after": "-5" } },
      { status: 503, headers: { "retry-after": "5 6" } },
      { status: 503, headers: { "retry-after": "Tue, 01 Jan 2019 00:00:00 GMT" } },
      { json: {} },
    ]);
    const delays: number[] = [];
    const client = createClient({
      baseUrl: env.sim.url,
      retry: { backoff: { base: 100, cap: 100, jitter: "none" }, onRetry: (e) => delays.push(e.delay) },
    });
    onTestFinished(() => client.close());
    await client.get("/busy");
    expect(delays).toEqual([100, 100, 100]);
    expect(route.requests).toHaveLength(4);
  });
});
