import { Readable } from "node:stream";
import { describe, expect, it, onTestFinished } from "vitest";
import { createClient } from "../../../src/client/create-client.js";
import { compose } from "../../../src/compose.js";
import { type HttpError, isAbortError, isHttpError, isNetworkError, isTimeoutError, type NetworkError } from "../../../src/errors.js";
import { constantBackoff } from "../../../src/middleware/retry/backoff.js";
import { retryBudget } from "../../../src/middleware/retry/budget.js";
import { type RetryEvent, type RetryOptions, retry } from "../../../src/middleware/retry/retry.js";
import type { ApiRequest, ApiResponse, Middleware, ResponseHeaders } from "../../../src/types.js";
import { freePort } from "../../support/ports.js";
import { apiRequest } from "../../support/request.js";
import { useSimulator } from "../../support/simulator.js";

const env = useSimulator();

/** Fast backoff so real-socket tests stay quick; the backoff math has its own tests. */
const fast = { backoff: constantBackoff(1) };
const client = (extra: Parameters<typeof createClient>[0] extends infer O ? Partial<O> : never = {}) =>
  createClient({ baseUrl: env.sim.url, ...extra, retry: { ...fast, ...(extra.retry as RetryOptions | undefined) } });

describe("which requests are retried", () => {
  it.each([408, 429, 500, 502, 503, 504])("retries a GET answered %i, then succeeds", async (status) => {
    const route = env.sim.route("GET", "/r", [{ status }, { status }, { json: { ok: true } }]);
    const c = client();
    onTestFinished(() => c.close());
    expect(await c.get("/r")).toEqual({ ok: true });
    expect(route.calls).toBe(3);
  });

  it.each([400, 401, 403, 404, 409, 422, 501])("does not retry %i", async (status) => {
    const route = env.sim.route("GET", "/r", { status });
    const c = client();
    onTestFinished(() => c.close());
    await expect(c.get("/r")).rejects.toMatchObject({ status, attempts: 1 });
    expect(route.calls).toBe(1);
  });

  it("stops after `attempts` tries in all and reports them on the error", async () => {
    const route = env.sim.route("GET", "/r", { status: 503 });
    const c = client({ retry: { attempts: 3 } });
    onTestFinished(() => c.close());
    const err = (await c.get("/r").catch((e: unknown) => e)) as HttpError;
    expect(err).toMatchObject({ status: 503, attempts: 3, retryable: true });
    expect(route.calls).toBe(3);
  });

  it("does not retry a POST without an idempotency key", async () => {
    const route = env.sim.route("POST", "/charges", { status: 503 });
    const c = client();
    onTestFinished(() => c.close());
    await expect(c.post("/charges", { json: { amount: 1 } })).rejects.toMatchObject({ status: 503, attempts: 1 });
    expect(route.calls).toBe(1);
  });

  it("retries a POST with an idempotency key, sending the same key every time, and creates one charge", async () => {
    let n = 0;
    const route = env.sim.route(
      "POST",
      "/charges",
      (req) => {
        n++;
        // The first attempt is processed but its answer is lost: the client sees a reset.
        return n === 1 ? { fault: "reset" } : { json: { id: `ch_${route.effects}`, amount: req.json<{ amount: number }>().amount } };
      },
      { idempotency: true },
    );
    const c = client();
    onTestFinished(() => c.close());
    const res = await c.post("/charges", { json: { amount: 100 }, idempotencyKey: true });
    expect(res).toMatchObject({ amount: 100 });
    const keys = route.requests.map((r) => r.headers["idempotency-key"]);
    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(keys[1]).toBe(keys[0]);
  });

  it("replays the first result for a retried POST whose first answer was lost after processing", async () => {
    const route = env.sim.route("POST", "/charges", (req) => ({ json: { id: `ch_${req.seq}` } }), { idempotency: true });
    let first = true;
    // A middleware that loses the first response after the server processed it.
    const c = client({
      use: [
        async (req, next) => {
          const res = await next(req);
          if (first) {
            first = false;
            res.body?.resume();
            return { ...res, status: 503, body: null };
          }
          return res;
        },
      ],
    });
    onTestFinished(() => c.close());
    const res = await c.post<{ id: string }>("/charges", { json: { amount: 1 }, idempotencyKey: "order-7" });
    expect(route.calls).toBe(2);
    expect(route.effects).toBe(1); // one charge created
    expect(res.id).toBe(`ch_${route.requests[0]?.seq}`);
  });

  it("honours a should-retry header that forbids or forces a retry", async () => {
    const no = env.sim.route("GET", "/no", { status: 503, headers: { "stripe-should-retry": "false" } });
    const yes = env.sim.route("POST", "/yes", [{ status: 409, headers: { "x-should-retry": "true" } }, { json: {} }]);
    const c = client();
    onTestFinished(() => c.close());
    await expect(c.get("/no")).rejects.toMatchObject({ status: 503 });
    expect(no.calls).toBe(1);
    await c.post("/yes", { json: {} });
    expect(yes.calls).toBe(2);
  });

  it("lets shouldRetry override the default rule", async () => {
    const route = env.sim.route("GET", "/r", [{ status: 404 }, { json: { found: true } }]);
    const c = client({ retry: { shouldRetry: ({ response }) => (response?.status === 404 ? true : undefined) } });
    onTestFinished(() => c.close());
    expect(await c.get("/r")).toEqual({ found: true });
    expect(route.calls).toBe(2);
  });

  it("sends a one-shot stream body once and does not retry it", async () => {
    const route = env.sim.route("PUT", "/upload", { status: 503 });
    const c = client();
    onTestFinished(() => c.close());
    await expect(c.put("/upload", { body: Readable.from([Buffer.from("data")]) })).rejects.toMatchObject({ status: 503, attempts: 1 });
    expect(route.calls).toBe(1);
  });

  it("retries a streamed body given as a function, with a fresh stream each attempt", async () => {
    const route = env.sim.route("PUT", "/upload", [{ status: 503 }, { json: {} }]);
    const c = client();
    onTestFinished(() => c.close());
    await c.put("/upload", { body: () => Readable.from([Buffer.from("data")]) });
    expect(route.requests.map((r) => r.text())).toEqual(["data", "data"]);
  });
});

describe("network errors", () => {
  it("retries a reset connection for GET", async () => {
    const route = env.sim.route("GET", "/r", [{ fault: "reset" }, { json: { ok: 1 } }]);
    const c = client();
    onTestFinished(() => c.close());
    expect(await c.get("/r")).toEqual({ ok: 1 });
    expect(route.calls).toBe(2);
  });

  it("fails with NetworkError ECONNREFUSED after retrying, and retries even a POST that never left", async () => {
    const port = await freePort();
    const events: RetryEvent[] = [];
    const c = createClient({ baseUrl: `http://127.0.0.1:${port}`, retry: { ...fast, attempts: 3, onRetry: (e) => events.push(e) } });
    onTestFinished(() => c.close());
    const err = (await c.post("/x", { json: {} }).catch((e: unknown) => e)) as NetworkError;
    expect(isNetworkError(err)).toBe(true);
    expect(err.errno).toBe("ECONNREFUSED");
    expect(err.sent).toBe(false);
    expect(events).toHaveLength(2);
  });

  it("does not retry a POST whose connection reset after it was sent", async () => {
    const route = env.sim.route("POST", "/r", { fault: "reset" });
    const c = client();
    onTestFinished(() => c.close());
    await expect(c.post("/r", { json: {} })).rejects.toSatisfy(isNetworkError);
    expect(route.calls).toBe(1);
  });
});

describe("how long to wait", () => {
  it("waits what Retry-After says (seconds), reported to onRetry", async () => {
    env.sim.route("GET", "/r", [{ status: 429, headers: { "retry-after": "0" } }, { status: 503, headers: { "retry-after-ms": "30" } }, { json: {} }]);
    const events: RetryEvent[] = [];
    const c = client({ retry: { onRetry: (e) => events.push(e) } });
    onTestFinished(() => c.close());
    await c.get("/r");
    expect(events.map((e) => [e.attempt, e.status, e.delay])).toEqual([
      [1, 429, 0],
      [2, 503, 30],
    ]);
  });

  it("fails at once, with when a retry is allowed, when Retry-After exceeds maxRetryAfter", async () => {
    const when = new Date(Date.now() + 3_600_000).toUTCString();
    const route = env.sim.route("GET", "/r", { status: 429, headers: { "retry-after": when } });
    const c = client({ retry: { maxRetryAfter: "1m" } });
    onTestFinished(() => c.close());
    const started = Date.now();
    const err = (await c.get("/r").catch((e: unknown) => e)) as HttpError;
    expect(isHttpError(err)).toBe(true);
    expect(route.calls).toBe(1);
    expect(err.retryAt).toBeGreaterThan(started + 3_500_000);
  });

  it("never plans a wait past the total deadline", async () => {
    const route = env.sim.route("GET", "/r", { status: 503, headers: { "retry-after": "5" } });
    const c = createClient({ baseUrl: env.sim.url, timeout: { total: 1000 } });
    onTestFinished(() => c.close());
    const err = (await c.get("/r").catch((e: unknown) => e)) as HttpError;
    expect(err.status).toBe(503);
    expect(route.calls).toBe(1);
  });

  it("stops at once when the caller aborts during a backoff wait", async () => {
    env.sim.route("GET", "/r", { status: 503 });
    const c = createClient({ baseUrl: env.sim.url, retry: { backoff: constantBackoff(60_000) } });
    onTestFinished(() => c.close());
    const ac = new AbortController();
    const p = c.get("/r", { signal: ac.signal });
    setTimeout(() => ac.abort(new Error("user left")), 50);
    const err = await p.catch((e: unknown) => e);
    expect(isAbortError(err)).toBe(true);
    expect((err as { reason: Error }).reason.message).toBe("user left");
  });
});

describe("retry budget", () => {
  it("stops retrying when a failing API has emptied the shared budget, and refills on success", async () => {
    const failing = env.sim.route("GET", "/down", { status: 503 });
    env.sim.route("GET", "/up", { json: {} });
    const budget = retryBudget({ capacity: 10, retryCost: 5, successRefund: 5 });
    const c = client({ retry: { budget } });
    onTestFinished(() => c.close());
    await c.get("/down").catch(() => {}); // 1 try + 2 retries (10 tokens)
    await c.get("/down").catch(() => {}); // budget empty: 1 try, no retry
    expect(failing.calls).toBe(4);
    expect(budget.available).toBe(0);
    await c.get("/up");
    expect(budget.available).toBe(5);
    expect(c.stats().policies.retry).toEqual({ budget: 5 });
  });

  it("is shared by a client and its extensions", async () => {
    env.sim.route("GET", "/down", { status: 503 });
    const c = client({ retry: { budget: { capacity: 5, retryCost: 5 } } });
    onTestFinished(() => c.close());
    const child = c.extend({ headers: { "x-child": "1" } });
    await c.get("/down").catch(() => {});
    const err = (await child.get("/down").catch((e: unknown) => e)) as HttpError;
    expect(err.attempts).toBe(1);
  });
});

describe("attempt timeouts", () => {
  it("retries an attempt that timed out, then succeeds", async () => {
    const route = env.sim.route("GET", "/slow", [{ delay: 2000, json: {} }, { json: { fast: true } }]);
    const c = client({ timeout: { attempt: 100 } });
    onTestFinished(() => c.close());
    expect(await c.get("/slow")).toEqual({ fast: true });
    expect(route.calls).toBe(2);
  });

  it("reports a TimeoutError naming the attempt limit when every try times out", async () => {
    env.sim.route("GET", "/slow", { delay: 2000, json: {} });
    const c = client({ timeout: { attempt: "50ms" }, retry: { attempts: 2 } });
    onTestFinished(() => c.close());
    const err = await c.get("/slow").catch((e: unknown) => e);
    expect(isTimeoutError(err)).toBe(true);
    expect(err).toMatchObject({ limit: "attempt", timeoutMs: 50 });
  });
});

describe("the caller's objects", () => {
  /** Retry in front of an end that answers `status` with `headers`, keeping what it was sent and what it answered, frozen. */
  function frozenPipeline(options: RetryOptions, status: number, headers: ResponseHeaders = {}) {
    const sent: ApiRequest[] = [];
    const answered: ApiResponse[] = [];
    const send = compose([retry({ budget: false, ...options })], async (req) => {
      sent.push(req);
      const res: ApiResponse = Object.freeze({ status, headers: Object.freeze(headers), body: null, request: req, attempts: req.attempt });
      answered.push(res);
      return res;
    });
    return { send, sent, answered };
  }

  it("sends each attempt as a copy of the request and returns a copy of the last response with the verdict, changing neither", async () => {
    const caller = Object.freeze(apiRequest("https://api.example.com/r", { attempt: 3 }));
    const { send, sent, answered } = frozenPipeline({ attempts: 2, backoff: constantBackoff(0) }, 503);
    const res = await send(caller);
    expect(sent.map((r) => r.attempt)).toEqual([1, 2]);
    expect(sent.some((r) => r === caller)).toBe(false);
    expect(sent[1]).toEqual({ ...caller, attempt: 2 });
    expect(caller.attempt).toBe(3);
    expect(res).not.toBe(answered[1]);
    expect(res).toEqual({ ...answered[1], retryable: true });
    expect(answered[1]).not.toHaveProperty("retryable");
  });

  it("carries the call's context to every attempt, where `use` middleware reads it", async () => {
    env.sim.route("GET", "/r", [{ status: 503 }, { status: 503 }, { json: { ok: true } }]);
    const seen: unknown[] = [];
    const c = client({
      use: [
        (req, next) => {
          seen.push(req.context.tenant);
          return next({ ...req, headers: { ...req.headers, "x-tenant": String(req.context.tenant) } });
        },
      ],
    });
    onTestFinished(() => c.close());
    expect(await c.get("/r", { context: { tenant: "t1" } })).toEqual({ ok: true });
    expect(seen).toEqual(["t1", "t1", "t1"]);
    expect(env.sim.requests.map((r) => r.headers["x-tenant"])).toEqual(["t1", "t1", "t1"]);
  });

  it("gives every attempt what a step before it added to the request, in context or as a field of its own", async () => {
    const { send, sent } = frozenPipeline({ attempts: 3, backoff: constantBackoff(0) }, 503);
    const tag: Middleware = (req, next) => next({ ...req, context: { ...req.context, tenant: "t1" }, tenant: "t2" } as ApiRequest);
    await compose([tag], send)(Object.freeze(apiRequest("https://api.example.com/r")));
    expect(sent.map((r) => [r.attempt, r.context.tenant, (r as ApiRequest & { tenant?: string }).tenant])).toEqual([
      [1, "t1", "t2"],
      [2, "t1", "t2"],
      [3, "t1", "t2"],
    ]);
  });

  it("keeps a field of its own that the end put on the response, beside the verdict", async () => {
    const send = compose([retry({ budget: false, attempts: 1 })], async (req) => {
      const res: ApiResponse = { status: 503, headers: {}, body: null, request: req, attempts: 1 };
      return Object.assign(res, { servedBy: "edge-1" });
    });
    const res = await send(apiRequest("https://api.example.com/r"));
    expect(res).toMatchObject({ status: 503, retryable: true, servedBy: "edge-1" });
  });

  it("puts why it did not retry, and when it may, on a copy of the response", async () => {
    const { send, answered } = frozenPipeline({ maxRetryAfter: "1m" }, 429, { "retry-after": "3600" });
    const before = Date.now();
    const res = await send(Object.freeze(apiRequest("https://api.example.com/r")));
    expect(answered).toHaveLength(1);
    expect(res).toMatchObject({ status: 429, retryable: true, notRetried: expect.stringMatching(/^the server asked to wait 3600 s, longer than/) });
    expect(res.retryAt).toBeGreaterThanOrEqual(before + 3_600_000);
    expect(answered[0]).not.toHaveProperty("notRetried");
    expect(answered[0]).not.toHaveProperty("retryAt");
  });
});
