import { describe, expect, it } from "vitest";
import { isAbortError, isConfigError, isTimeoutError } from "../../../src/errors.js";
import { type ConcurrencyOptions, concurrency } from "../../../src/middleware/concurrency/concurrency.js";
import { attemptDeadline } from "../../../src/middleware/timeout/timeout.js";
import { harness } from "../policy-harness.js";

function limitedTo(options: number | Omit<ConcurrencyOptions, "clock">) {
  let policy!: ReturnType<typeof concurrency>;
  let inFlight = 0;
  let peak = 0;
  const h = harness((clock) => {
    policy = concurrency(typeof options === "number" ? { limit: options, clock } : { ...options, clock });
    return [
      policy,
      async (req, next) => {
        peak = Math.max(peak, ++inFlight);
        try {
          return await next(req);
        } finally {
          inFlight--;
        }
      },
    ];
  });
  h.answer(() => ({ delay: 100 }));
  return Object.assign(h, { policy, peak: () => peak });
}

describe("concurrency", () => {
  it("keeps at most `limit` requests in flight and runs the rest as permits free up", async () => {
    const h = limitedTo(3);
    const calls = Array.from({ length: 10 }, (_, i) => h.start(`/${i}`));
    await h.clock.advance(1000);
    expect(calls.every((c) => c.done && c.error === undefined)).toBe(true);
    expect(h.peak()).toBe(3);
    expect(h.sent.map((s) => s.at)).toEqual([0, 0, 0, 100, 100, 100, 200, 200, 200, 300]);
  });

  it("serves waiters first in, first out", async () => {
    const h = limitedTo(1);
    for (let i = 0; i < 5; i++) h.start(`/${i}`);
    await h.clock.advance(1000);
    expect(h.sent.map((s) => s.path)).toEqual(["/0", "/1", "/2", "/3", "/4"]);
  });

  it("releases the permit when the request fails", async () => {
    const h = limitedTo(1);
    h.answer(() => ({ delay: 10, error: new Error("boom") }));
    const a = h.start("/a");
    const b = h.start("/b");
    await h.clock.advance(100);
    expect(a.error).toBeInstanceOf(Error);
    expect(b.error).toBeInstanceOf(Error);
    expect(h.sent).toHaveLength(2);
    expect(h.policy.stats()["https://api.example.com"]).toEqual({ active: 0, queued: 0 });
  });

  it("a waiter whose signal aborts leaves the queue with AbortError", async () => {
    const h = limitedTo(1);
    h.start("/a");
    const controller = new AbortController();
    const b = h.start("/b", { signal: controller.signal });
    const c = h.start("/c");
    await h.clock.advance(10);
    expect(h.policy.stats()["https://api.example.com"]).toEqual({ active: 1, queued: 2 });
    controller.abort();
    await b.settled;
    expect(isAbortError(b.error)).toBe(true);
    await h.clock.advance(500);
    expect(h.sent.map((s) => s.path)).toEqual(["/a", "/c"]);
    expect(c.error).toBeUndefined();
  });

  it("keys by origin by default; a function gives one semaphore per key", async () => {
    const h = limitedTo({ limit: 1, key: (req) => req.route });
    h.start("/a");
    h.start("/b");
    h.start("/a");
    await h.clock.advance(10);
    expect(h.sent.map((s) => s.path)).toEqual(["/a", "/b"]);
    expect(h.policy.stats()).toEqual({ "/a": { active: 1, queued: 1 }, "/b": { active: 1, queued: 0 } });
  });

  it.each([
    [0, "concurrency.limit"],
    [{ limit: 1.5 }, "concurrency.limit"],
    [{ limit: 2, key: 3 }, "concurrency.key"],
    [{ limit: 2, pollInterval: 0 }, "concurrency.pollInterval"],
    [{ limit: 2, pollInterval: "0ms" }, "concurrency.pollInterval"],
    [{ limit: 2, store: {} }, "concurrency.store"],
    [{ limit: 2, store: { get() {}, set() {} } }, "concurrency.store"],
    [{ limit: 2, clock: Date }, "concurrency.clock"],
    [{ limit: 2, clock: { now: (): number => 0 } }, "concurrency.clock"],
  ])("rejects %j naming %s", (options, option) => {
    try {
      concurrency(options as ConcurrencyOptions);
      expect.unreachable();
    } catch (e) {
      expect(isConfigError(e)).toBe(true);
      expect((e as { option: string }).option).toBe(option);
    }
  });
});

describe("concurrency under a timeout the transport enforces (undici, limits of 5 s or more)", () => {
  // attemptDeadline(..., native = true) only sets req.timeout for the transport: no signal fires
  // while a request waits for a permit, so the wait is bounded by the concurrency policy itself.
  function nativeTimed() {
    const timeouts: number[] = [];
    const h = harness((clock) => [
      attemptDeadline(10_000, undefined, clock, true),
      concurrency({ limit: 1, clock }),
      async (req, next) => {
        timeouts.push(req.timeout?.ms ?? Number.NaN);
        return next(req);
      },
    ]);
    return Object.assign(h, { timeouts });
  }

  it("a request waiting for a permit fails with the attempt's TimeoutError when the attempt's time runs out, never sent", async () => {
    const h = nativeTimed();
    h.answer(() => ({ delay: 60_000 }));
    h.start("/holder");
    const queued = h.start("/queued");
    await h.clock.advance(9_999);
    expect(queued.done).toBe(false);
    await h.clock.advance(1);
    await queued.settled;
    expect(isTimeoutError(queued.error)).toBe(true);
    expect(queued.error).toMatchObject({ limit: "attempt", timeoutMs: 10_000, sent: false });
    expect(h.sent.map((s) => s.path)).toEqual(["/holder"]);
  });

  it("a request that got its permit after a wait hands the transport only what is left of the attempt", async () => {
    const h = nativeTimed();
    h.answer((req) => ({ delay: req.path === "/holder" ? 4_000 : 10 }));
    h.start("/holder");
    const queued = h.start("/queued");
    await h.clock.advance(5_000);
    await queued.settled;
    expect(queued.error).toBeUndefined();
    expect(h.timeouts).toEqual([10_000, 6_000]);
  });
});
