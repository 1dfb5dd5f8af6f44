import { describe, expect, it, onTestFinished } from "vitest";
import { createClient } from "../../../src/client/create-client.js";
import { isAbortError, isTimeoutError, type TimeoutError } from "../../../src/errors.js";
import { constantBackoff } from "../../../src/middleware/retry/backoff.js";
import { attemptDeadline } from "../../../src/middleware/timeout/timeout.js";
import { createFakeClock } from "../../../src/testing/index.js";
import { apiRequest } from "../../support/request.js";
import { useSimulator } from "../../support/simulator.js";
import { waitFor } from "../../support/wait.js";

const env = useSimulator();

describe("timeouts", () => {
  it("a total timeout bounds the whole call, retries and waits included", async () => {
    const route = env.sim.route("GET", "/r", { status: 503 });
    const c = createClient({ baseUrl: env.sim.url, timeout: { total: 300, attempt: false }, retry: { attempts: 100, backoff: constantBackoff(40) } });
    onTestFinished(() => c.close());
    const started = Date.now();
    const err = await c.get("/r").catch((e: unknown) => e);
    // Either an attempt was cut at the deadline, or retry refused a wait past it and gave the last error.
    expect(isTimeoutError(err) ? (err as TimeoutError).limit : (err as { status: number }).status).toSatisfy((v) => v === "total" || v === 503);
    // The wall: the limit plus max(1 %, 100 ms), measured from the call's own start.
    expect(Date.now() - started).toBeLessThan(300 + 100);
    expect(route.calls).toBeGreaterThan(1);
    expect(route.calls).toBeLessThan(100);
  });

  it("a slow attempt that runs into the total deadline fails with TimeoutError naming the total limit", async () => {
    env.sim.route("GET", "/slow", { delay: 2000, json: {} });
    const c = createClient({ baseUrl: env.sim.url, timeout: { total: 150, attempt: 1000 } });
    onTestFinished(() => c.close());
    const err = (await c.get("/slow").catch((e: unknown) => e)) as TimeoutError;
    expect(isTimeoutError(err)).toBe(true);
    expect(err.limit).toBe("total");
    expect(err.message).toContain("total timeout of 150 ms");
  });

  it("the standalone timeout() middleware bounds whatever it wraps", async () => {
    env.sim.route("GET", "/slow", { delay: 2000, json: {} });
    const { compose } = await import("../../../src/compose.js");
    const { timeout } = await import("../../../src/middleware/timeout/timeout.js");
    const { undiciTransport } = await import("../../../src/transport/undici.js");
    const t = undiciTransport();
    onTestFinished(() => t.close());
    const send = compose([timeout({ ms: 80, limit: "total" })], (r) => t.send(r));
    const origin = env.sim.url;
    const err = await send(apiRequest(`${origin}/slow`)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "BALLAST_TIMEOUT", limit: "total", timeoutMs: 80 });
  });

  it("covers a slow body, not only the headers", async () => {
    env.sim.route("GET", "/slow-body", { bodyDelay: 2000, json: { late: true } });
    const c = createClient({ baseUrl: env.sim.url, timeout: { attempt: 100 }, retry: false });
    onTestFinished(() => c.close());
    const err = await c.get("/slow-body").catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "BALLAST_TIMEOUT", limit: "attempt" });
  });

  it("can be switched off per call", async () => {
    env.sim.route("GET", "/slowish", { delay: 150, json: { ok: true } });
    const c = createClient({ baseUrl: env.sim.url, timeout: { attempt: "50ms" }, retry: false });
    onTestFinished(() => c.close());
    await expect(c.get("/slowish")).rejects.toSatisfy(isTimeoutError);
    expect(await c.get("/slowish", { timeout: false })).toEqual({ ok: true });
    expect(await c.get("/slowish", { timeout: { attempt: 1000 } })).toEqual({ ok: true });
  });

  it("releases the socket of a stalled request on timeout", async () => {
    env.sim.route("GET", "/stall", { fault: "stall" });
    const c = createClient({ baseUrl: env.sim.url, timeout: { attempt: 100 }, retry: false });
    onTestFinished(() => c.close());
    await expect(c.get("/stall")).rejects.toSatisfy(isTimeoutError);
    await waitFor(() => env.sim.openConnections === 0, { what: "every socket to close" });
  });
});

describe("limits enforced by the undici transport itself", () => {
  it("every limit travels as req.timeout: no AbortController per request", async () => {
    env.sim.route("GET", "/fast", { json: {} });
    let seen: { signal: unknown; timeout: unknown } | undefined;
    const c = createClient({
      baseUrl: env.sim.url,
      use: [
        (req, next) => {
          seen = { signal: req.signal, timeout: req.timeout?.ms };
          return next(req);
        },
      ],
    });
    onTestFinished(() => c.close());
    await c.get("/fast");
    expect(seen).toEqual({ signal: undefined, timeout: 30_000 });
    await c.get("/fast", { timeout: { attempt: 200 } });
    expect(seen).toEqual({ signal: undefined, timeout: 200 });
  });

  it("a stalled server still ends in TimeoutError naming the limit, and the socket is released", async () => {
    env.sim.route("GET", "/stall", { fault: "stall" });
    const c = createClient({ baseUrl: env.sim.url, timeout: { attempt: 5_000 }, retry: false });
    onTestFinished(() => c.close());
    const err = (await c.get("/stall").catch((e: unknown) => e)) as TimeoutError;
    expect(isTimeoutError(err)).toBe(true);
    expect(err).toMatchObject({ limit: "attempt", timeoutMs: 5_000, sent: true });
    await waitFor(() => env.sim.openConnections === 0, { what: "every socket to close" });
  }, 15_000);
});

describe("a call whose deadline has passed", () => {
  it("fails its next attempt at once with a TimeoutError saying sent: false, and sends nothing", async () => {
    const clock = createFakeClock();
    let sent = 0;
    const step = attemptDeadline(1_000, 500, clock);
    const err = await step(apiRequest("http://api.test/x", { deadline: clock.now() }), () => {
      sent++;
      return Promise.reject(new Error("sent after the deadline"));
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "BALLAST_TIMEOUT", limit: "total", sent: false });
    expect(sent).toBe(0);
  });
});

describe("cancellation", () => {
  it("a caller's abort rejects at once with AbortError carrying the reason, and frees the socket", async () => {
    env.sim.route("GET", "/stall", { fault: "stall" });
    const c = createClient({ baseUrl: env.sim.url });
    onTestFinished(() => c.close());
    const ac = new AbortController();
    const p = c.get("/stall", { signal: ac.signal });
    await waitFor(() => env.sim.requests.length === 1, { what: "the request to arrive" });
    ac.abort("navigated away");
    const err = await p.catch((e: unknown) => e);
    expect(isAbortError(err)).toBe(true);
    expect((err as { reason: unknown }).reason).toBe("navigated away");
    await waitFor(() => env.sim.openConnections === 0, { what: "every socket to close" });
  });

  it("an already-aborted signal sends nothing", async () => {
    const c = createClient({ baseUrl: env.sim.url });
    onTestFinished(() => c.close());
    await expect(c.get("/x", { signal: AbortSignal.abort() })).rejects.toSatisfy(isAbortError);
    expect(env.sim.requests).toHaveLength(0);
  });
});
