import { describe, expect, it } from "vitest";
import {
  AbortError,
  CircuitOpenError,
  isCircuitOpenError,
  isConfigError,
  isRateLimitError,
  isTimeoutError,
  NetworkError,
  RateLimitError,
  TimeoutError,
} from "../../../src/errors.js";
import { type CircuitBreakerOptions, type CircuitBreakerStateChange, circuitBreaker } from "../../../src/middleware/circuit-breaker/circuit-breaker.js";
import { concurrency } from "../../../src/middleware/concurrency/concurrency.js";
import { rateLimit } from "../../../src/middleware/rate-limit/rate-limit.js";
import { attemptDeadline, timeout } from "../../../src/middleware/timeout/timeout.js";
import { memoryStore } from "../../../src/stores/memory.js";
import type { FakeClock } from "../../../src/testing/fake-clock.js";
import type { ApiResponse, Middleware } from "../../../src/types.js";
import { harness, request } from "../policy-harness.js";

/** A breaker in front of `inner` policies (built on the harness's clock), recording its state changes. */
function breaker(options: Omit<CircuitBreakerOptions, "clock">, inner: (clock: FakeClock) => Middleware[] = () => []) {
  const changes: CircuitBreakerStateChange[] = [];
  let policy!: ReturnType<typeof circuitBreaker>;
  const h = harness((clock) => {
    policy = circuitBreaker({ ...options, clock, onStateChange: (c) => changes.push(c) });
    return [policy, ...inner(clock)];
  });
  const state = () => policy.stats()["https://api.example.com"]?.state;
  return Object.assign(h, { changes, policy, state });
}

const ORIGIN = "https://api.example.com";

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

/** A breaker opened by one failure, probing after 5 s; `sent` starts empty. */
async function tripped(options: Omit<CircuitBreakerOptions, "clock"> = {}, inner?: (clock: FakeClock) => Middleware[]) {
  const h = breaker({ failureRate: 0, consecutiveFailures: 1, halfOpenAfter: "5s", ...options }, inner);
  h.answer(fail);
  await h.call("/trip");
  h.sent.length = 0;
  return h;
}

describe("circuitBreaker: open and half-open", () => {
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

/** Errors raised on this side of the server: the breaker records no outcome for them. */
const localErrors: Array<[string, () => Error]> = [
  ["a RateLimitError of the local rate limiter", () => new RateLimitError("quota", 0)],
  ["a CircuitOpenError of an inner breaker", () => new CircuitOpenError("inner", 0)],
  ["the caller's AbortError", () => new AbortError("user")],
  ["a TimeoutError that ran out before the request was sent", () => new TimeoutError("attempt", 1000, { sent: false })],
];

describe("circuitBreaker: requests that never reached the server", () => {
  it.each(localErrors)("%s does not dilute the failure rate while closed", async (_, error) => {
    const h = breaker({ failureRate: 0.5, minimumRequests: 4 });
    h.answer(fail);
    await h.call("/f0");
    h.answer(() => ({ error: error() }));
    for (let i = 0; i < 10; i++) await h.call("/local").catch(() => {});
    expect(h.policy.stats()[ORIGIN]).toMatchObject({ total: 1, failures: 1 });
    h.answer(fail);
    for (let i = 1; i < 4; i++) await h.call(`/f${i}`);
    expect(h.state()).toBe("open"); // 4 failures in 4 requests
  });

  it.each(localErrors)("%s ends a probe without an outcome: still half-open, and the next request probes", async (_, error) => {
    const h = await tripped();
    await h.clock.advance(5000);
    h.answer(() => ({ error: error() }));
    await h.call("/probe").catch(() => {});
    expect(h.state()).toBe("half-open");
    h.answer(() => ({}));
    await h.call("/next");
    expect(h.sent.map((s) => s.path)).toEqual(["/probe", "/next"]);
    expect(h.changes.map((c) => `${c.from}->${c.to}`)).toEqual(["closed->open", "open->half-open", "half-open->closed"]);
  });

  it("a probe the rate limiter behind it refuses neither closes the breaker nor keeps its slot", async () => {
    const h = await tripped({}, (clock) => [rateLimit({ clock, limits: [{ requests: 1, per: "1m" }], maxWait: 0 })]);
    await h.clock.advance(5000); // the trip spent the minute's one request
    expect(isRateLimitError(await h.call("/probe").catch((e: unknown) => e))).toBe(true);
    expect(h.state()).toBe("half-open");
    expect(isRateLimitError(await h.call("/again").catch((e: unknown) => e))).toBe(true); // a probe again, not CircuitOpenError
    await h.clock.advance(55_000);
    h.answer(() => ({}));
    await h.call("/probe");
    expect(h.changes.map((c) => c.to)).toEqual(["open", "half-open", "closed"]);
  });

  it("while the probes are out, CircuitOpenError.retryAt is when their slots are freed if they never report", async () => {
    const h = await tripped();
    await h.clock.advance(5000);
    const halfOpenAt = h.clock.now();
    h.answer(() => ({ delay: 60_000 })); // the probe hangs
    h.start("/probe");
    await h.clock.advance(1000);
    const err = (await h.call("/refused").catch((e: unknown) => e)) as CircuitOpenError;
    expect(isCircuitOpenError(err)).toBe(true);
    expect(err.retryAt).toBe(halfOpenAt + 5000);
    await h.clock.advance(err.retryAt - h.clock.now());
    h.answer(() => ({}));
    await h.call("/at-retryAt");
    expect(h.sent.map((s) => s.path)).toEqual(["/probe", "/at-retryAt"]);
  });
});

describe("circuitBreaker: attempt timeouts", () => {
  const noAttemptTimeout = { context: { timeout: { attempt: false } } };
  /** Stands in for the transport's part: a request whose signal aborts fails with the signal's reason. */
  const abortable: Middleware = (req, next) =>
    new Promise((resolve, reject) => {
      req.signal?.addEventListener("abort", () => reject(req.signal?.reason), { once: true });
      next(req).then(resolve, reject);
    });
  const timed = () =>
    breaker({ failureRate: 0, consecutiveFailures: 1 }, (clock) => [timeout({ ms: 1000, clock }), concurrency({ limit: 1, clock }), abortable]);

  it("a timeout spent waiting for a concurrency permit is not a failure: the request was never sent", async () => {
    const h = timed();
    h.answer(() => ({ delay: 5000 }));
    const holder = h.start("/holder", noAttemptTimeout); // keeps the only permit for 5 s
    const queued = h.start("/queued");
    await h.clock.advance(5000);
    await holder.settled;
    expect(isTimeoutError(queued.error)).toBe(true);
    expect(h.sent.map((s) => s.path)).toEqual(["/holder"]);
    expect(h.changes).toEqual([]);
  });

  it("a timeout spent waiting for the server is a failure", async () => {
    const h = timed();
    h.answer(() => ({ delay: 5000 }));
    const slow = h.start("/slow");
    await h.clock.advance(1000);
    await slow.settled;
    expect(isTimeoutError(slow.error)).toBe(true);
    expect(h.changes.map((c) => c.to)).toEqual(["open"]);
  });

  it("a request whose deadline had passed before it was sent is not a failure", async () => {
    const h = breaker({ failureRate: 0, consecutiveFailures: 1 }, (clock) => [attemptDeadline(undefined, 1000, clock)]);
    const err = await h.call("/late", { deadline: h.clock.now() }).catch((e: unknown) => e);
    expect(isTimeoutError(err)).toBe(true);
    expect(h.sent).toHaveLength(0);
    expect(h.changes).toEqual([]);
  });
});

describe("circuitBreaker: state-change events", () => {
  it("announces each change of its own once, in order, with retryAt when it opens", async () => {
    const h = await tripped();
    const trippedAt = h.clock.now();
    await h.clock.advance(5000);
    await h.call("/probe-fails");
    const reopenedAt = h.clock.now();
    await h.clock.advance(5000);
    h.answer(() => ({}));
    await h.call("/probe-succeeds");
    await h.call("/closed");
    expect(h.changes).toEqual([
      { key: ORIGIN, from: "closed", to: "open", retryAt: trippedAt + 5000 },
      { key: ORIGIN, from: "open", to: "half-open", retryAt: undefined },
      { key: ORIGIN, from: "half-open", to: "open", retryAt: reopenedAt + 5000 },
      { key: ORIGIN, from: "open", to: "half-open", retryAt: undefined },
      { key: ORIGIN, from: "half-open", to: "closed", retryAt: undefined },
    ]);
  });

  it("open → half-open is announced by the first request after halfOpenAfter, before it is sent: no timer runs", async () => {
    const h = await tripped();
    await h.clock.advance(60_000);
    expect(h.changes.map((c) => c.to)).toEqual(["open"]);
    expect(h.state()).toBe("open");
    let announcedWhenSent: string[] = [];
    h.answer(() => {
      announcedWhenSent = h.changes.map((c) => c.to);
      return {};
    });
    await h.call("/probe");
    expect(announcedWhenSent).toEqual(["open", "half-open"]);
  });

  it("another process's changes are announced when this process next reads the shared state", async () => {
    let store!: ReturnType<typeof memoryStore>;
    const h = harness((clock) => {
      store = memoryStore({ clock });
      return [circuitBreaker({ store, clock, failureRate: 0, consecutiveFailures: 1, halfOpenAfter: "5s" })];
    });
    const seen: string[] = [];
    const other = circuitBreaker({
      store,
      clock: h.clock,
      failureRate: 0,
      consecutiveFailures: 1,
      halfOpenAfter: "5s",
      onStateChange: (c) => seen.push(`${c.from}->${c.to}`),
    });
    const ok = async (req: Parameters<Middleware>[0]): Promise<ApiResponse> => ({ status: 200, headers: {}, body: null, request: req, attempts: 1 });
    await other(request("/a"), ok);
    h.answer(fail);
    await h.call("/trip");
    await h.clock.advance(1000); // the other process's copy is now older than syncInterval
    expect(isCircuitOpenError(await other(request("/b"), ok).catch((e: unknown) => e))).toBe(true);
    await h.clock.advance(5000);
    h.answer(() => ({}));
    await h.call("/probe"); // half-open, then closed, here
    await other(request("/c"), ok);
    expect(seen).toEqual(["closed->open", "open->closed"]);
  });
});
