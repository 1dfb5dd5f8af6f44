import { describe, expect, it } from "vitest";
import { AbortError, type CircuitOpenError, isCircuitOpenError, isConfigError, NetworkError, TimeoutError } from "../../src/errors.js";
import { type CircuitBreakerOptions, type CircuitStateChange, circuitBreaker } from "../../src/middleware/circuit-breaker.js";
import { harness } from "./policy-harness.js";

function breaker(options: Omit<CircuitBreakerOptions, "clock">) {
  const changes: CircuitStateChange[] = [];
  let policy!: ReturnType<typeof circuitBreaker>;
  const h = harness((clock) => {
    policy = circuitBreaker({ ...options, clock, onStateChange: (c) => changes.push(c) });
    return [policy];
  });
  return Object.assign(h, { changes, policy });
}

const fail = () => ({ status: 503 });

describe("circuitBreaker: opening", () => {
  it("opens when the failure rate reaches the threshold once the window holds minimumRequests", async () => {
    const h = breaker({ failureRate: 0.5, minimumRequests: 10 });
    h.answer((req) => (Number(req.path.slice(1)) % 2 === 0 ? fail() : {}));
    for (let i = 0; i < 9; i++) await h.call(`/${i}`);
    expect(h.policy.stats()["https://api.example.com"]?.state).toBe("closed");
    await h.call("/9"); // 10 requests, 5 failures: 50%
    expect(h.policy.stats()["https://api.example.com"]).toMatchObject({ state: "open" });
    expect(h.changes).toEqual([{ key: "https://api.example.com", from: "closed", to: "open", retryAt: h.clock.now() + 30_000 }]);
  });

  it("stays closed below the rate", async () => {
    const h = breaker({ failureRate: 0.5, minimumRequests: 10 });
    h.answer((req) => (Number(req.path.slice(1)) % 3 === 0 ? fail() : {}));
    for (let i = 0; i < 30; i++) await h.call(`/${i}`);
    expect(h.changes).toEqual([]);
  });

  it("opens after N consecutive failures", async () => {
    const h = breaker({ failureRate: 0, consecutiveFailures: 3 });
    h.answer(fail);
    await h.call("/a");
    await h.call("/b");
    expect(h.changes).toHaveLength(0);
    await h.call("/c");
    expect(h.changes.map((c) => c.to)).toEqual(["open"]);
  });

  it("counts network errors and timeouts, and 5xx; never 4xx by default", async () => {
    const h = breaker({ failureRate: 0, consecutiveFailures: 3 });
    h.answer(() => ({ status: 404 }));
    for (let i = 0; i < 5; i++) await h.call("/missing");
    h.answer(() => ({ status: 429 }));
    for (let i = 0; i < 5; i++) await h.call("/limited");
    expect(h.changes).toHaveLength(0);
    h.answer(() => ({ error: new NetworkError("connection reset", { errno: "ECONNRESET" }) }));
    await h.call("/x").catch(() => {});
    h.answer(() => ({ error: new TimeoutError("attempt", 1000) }));
    await h.call("/y").catch(() => {});
    h.answer(() => ({ status: 500 }));
    await h.call("/z");
    expect(h.changes.map((c) => c.to)).toEqual(["open"]);
  });

  it("does not count a request the caller aborted", async () => {
    const h = breaker({ failureRate: 0, consecutiveFailures: 1 });
    h.answer(() => ({ error: new AbortError("user") }));
    await h.call("/a").catch(() => {});
    expect(h.changes).toHaveLength(0);
  });

  it("isFailure decides what counts (here: 429 too)", async () => {
    const h = breaker({
      failureRate: 0,
      consecutiveFailures: 2,
      isFailure: (o) => (o.response ? o.response.status === 429 || o.response.status >= 500 : true),
    });
    h.answer(() => ({ status: 429 }));
    await h.call("/a");
    await h.call("/b");
    expect(h.changes.map((c) => c.to)).toEqual(["open"]);
  });

  it("a count-based window forgets older outcomes", async () => {
    const h = breaker({ failureRate: 0.6, minimumRequests: 5, window: { requests: 5 } });
    h.answer(fail);
    for (let i = 0; i < 2; i++) await h.call("/f");
    h.answer(() => ({}));
    for (let i = 0; i < 10; i++) await h.call("/ok");
    h.answer(fail);
    for (let i = 0; i < 2; i++) await h.call("/f");
    expect(h.changes).toHaveLength(0); // 2 of the last 5 failed
    await h.call("/f");
    expect(h.changes.map((c) => c.to)).toEqual(["open"]);
  });

  it("a time-based window forgets outcomes older than its span", async () => {
    const h = breaker({ failureRate: 0.5, minimumRequests: 4, window: "10s" });
    h.answer(fail);
    for (let i = 0; i < 3; i++) await h.call("/f");
    await h.clock.advance(11_000);
    await h.call("/f");
    expect(h.changes).toHaveLength(0);
    expect(h.policy.stats()["https://api.example.com"]).toMatchObject({ total: 1, failures: 1 });
  });
});

describe("circuitBreaker: open and half-open", () => {
  async function tripped(options: Omit<CircuitBreakerOptions, "clock"> = {}) {
    const h = breaker({ failureRate: 0, consecutiveFailures: 1, halfOpenAfter: "5s", ...options });
    h.answer(fail);
    await h.call("/trip");
    h.sent.length = 0;
    return h;
  }

  it("open fails fast with CircuitOpenError carrying when it will probe, without sending", async () => {
    const h = await tripped();
    const err = (await h.call("/x").catch((e: unknown) => e)) as CircuitOpenError;
    expect(isCircuitOpenError(err)).toBe(true);
    expect(err.key).toBe("https://api.example.com");
    expect(err.retryAt).toBe(h.clock.now() + 5000);
    expect(err.request).toEqual({ method: "GET", url: "https://api.example.com/x" });
    expect(h.sent).toHaveLength(0);
    expect(h.policy.stats()["https://api.example.com"]?.rejected).toBe(1);
  });

  it("after halfOpenAfter lets at most halfOpenProbes through at once", async () => {
    const h = await tripped({ halfOpenProbes: 2 });
    await h.clock.advance(5000);
    h.answer(() => ({ delay: 100 }));
    const probes = [h.start("/p1"), h.start("/p2"), h.start("/p3")];
    await h.clock.flush();
    expect(h.sent.map((s) => s.path)).toEqual(["/p1", "/p2"]);
    expect(isCircuitOpenError(probes[2]?.error)).toBe(true);
    await h.clock.advance(100);
    expect(probes[0]?.res?.status).toBe(200);
  });

  it("a successful probe closes the breaker", async () => {
    const h = await tripped();
    await h.clock.advance(5000);
    h.answer(() => ({}));
    await h.call("/probe");
    await h.call("/after");
    expect(h.sent.map((s) => s.path)).toEqual(["/probe", "/after"]);
    expect(h.changes.map((c) => `${c.from}->${c.to}`)).toEqual(["closed->open", "open->half-open", "half-open->closed"]);
  });

  it("successesToClose probes must succeed before it closes", async () => {
    const h = await tripped({ successesToClose: 2 });
    await h.clock.advance(5000);
    h.answer(() => ({}));
    await h.call("/p1");
    expect(h.policy.stats()["https://api.example.com"]?.state).toBe("half-open");
    await h.call("/p2");
    expect(h.policy.stats()["https://api.example.com"]?.state).toBe("closed");
  });

  it("a failed probe opens it again for another halfOpenAfter", async () => {
    const h = await tripped();
    await h.clock.advance(5000);
    await h.call("/probe"); // still 503
    const err = (await h.call("/x").catch((e: unknown) => e)) as CircuitOpenError;
    expect(isCircuitOpenError(err)).toBe(true);
    expect(err.retryAt).toBe(h.clock.now() + 5000);
    expect(h.changes.map((c) => c.to)).toEqual(["open", "half-open", "open"]);
  });

  it("is keyed per origin by default: another origin is unaffected", async () => {
    const h = await tripped();
    const res = await h.call("/x", { origin: "https://other.example.com" });
    expect(res.status).toBe(503);
    expect(h.sent).toHaveLength(1);
  });

  it('key: "route" keeps one breaker per route template', async () => {
    const h = await tripped({ key: "route" });
    expect(isCircuitOpenError(await h.call("/trip").catch((e: unknown) => e))).toBe(true);
    expect((await h.call("/users/:id")).status).toBe(503);
    expect(Object.keys(h.policy.stats()).sort()).toEqual(["https://api.example.com /trip", "https://api.example.com /users/:id"]);
  });
});

describe("circuitBreaker: options", () => {
  it.each([
    [{ failureRate: 1.5 }, "circuitBreaker.failureRate"],
    [{ minimumRequests: 0 }, "circuitBreaker.minimumRequests"],
    [{ window: "forever" }, "circuitBreaker.window"],
    [{ window: { requests: 0 } }, "circuitBreaker.window.requests"],
    [{ halfOpenProbes: 0 }, "circuitBreaker.halfOpenProbes"],
    [{ failureRate: 0 }, "circuitBreaker"],
    [{ key: "host" }, "circuitBreaker.key"],
  ])("rejects %j naming %s", (options, option) => {
    try {
      circuitBreaker(options as unknown as CircuitBreakerOptions);
      expect.unreachable();
    } catch (e) {
      expect(isConfigError(e)).toBe(true);
      expect((e as { option: string }).option).toBe(option);
    }
  });
});
