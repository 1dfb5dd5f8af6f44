import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { isAbortError, isConfigError, isRateLimitError, type RateLimitError } from "../../../src/errors.js";
import type { RateLimitOptions } from "../../../src/middleware/rate-limit/rate-limit.js";
import { rateLimit } from "../../../src/middleware/rate-limit/rate-limit.js";
import { memoryStore } from "../../../src/stores/memory.js";
import { harness } from "../policy-harness.js";

const limited = (options: Omit<RateLimitOptions, "clock">) => harness((clock) => [rateLimit({ ...options, clock })]);

describe("rateLimit: spacing and bursts (GCRA)", () => {
  it("arrivalMargin spaces for a window that much longer, so requests keep to the limit where they arrive: 20/s with 20 ms leave 51 ms apart", async () => {
    const h = limited({ limits: [{ requests: 20, per: "1s" }], arrivalMargin: "20ms" });
    for (let i = 0; i < 4; i++) h.start(`/${i}`);
    await h.clock.advance(1000);
    expect(h.sent.map((s) => s.at)).toEqual([0, 51, 102, 153]);
    const hourly = limited({ limits: [{ requests: 2, per: "1h" }], arrivalMargin: "20ms" });
    for (let i = 0; i < 2; i++) hourly.start(`/${i}`);
    await hourly.clock.advance(3_600_000);
    expect(hourly.sent.map((s) => s.at)).toEqual([0, 1_800_010]);
  });

  it("without burst spaces requests evenly: 20/s sends one every 50 ms", async () => {
    const h = limited({ limits: [{ requests: 20, per: "1s" }] });
    const calls = Array.from({ length: 5 }, (_, i) => h.start(`/${i}`));
    await h.clock.advance(1000);
    expect(calls.every((c) => c.done)).toBe(true);
    expect(h.sent.map((s) => s.at)).toEqual([0, 50, 100, 150, 200]);
    expect(h.sent.map((s) => s.path)).toEqual(["/0", "/1", "/2", "/3", "/4"]);
  });

  it("burst N lets N go at once, then one per interval", async () => {
    const h = limited({ limits: [{ requests: 5, per: "1s", burst: 5 }] });
    for (let i = 0; i < 7; i++) h.start(`/${i}`);
    await h.clock.advance(1000);
    expect(h.sent.map((s) => s.at)).toEqual([0, 0, 0, 0, 0, 200, 400]);
  });

  /** Sends bursts of uneven size at uneven times; returns the send times. */
  async function irregularLoad(h: ReturnType<typeof limited>): Promise<number[]> {
    for (let round = 0; round < 30; round++) {
      for (let i = 0; i < (round * 7) % 5; i++) h.start(`/${round}-${i}`);
      await h.clock.advance(37 + ((round * 13) % 90));
    }
    await h.clock.advance(10_000);
    return h.sent.map((s) => s.at);
  }

  it("without burst, never lets more than `requests` go in any window of `per`, however requests arrive", async () => {
    const times = await irregularLoad(limited({ limits: [{ requests: 10, per: "1s" }] }));
    expect(times.length).toBeGreaterThan(50);
    for (const t of times) expect(times.filter((u) => u > t - 1000 && u <= t).length).toBeLessThanOrEqual(10);
  });

  it("with burst b it is a bucket of b refilled at requests/per: at most b + t·rate in any span t", async () => {
    const times = await irregularLoad(limited({ limits: [{ requests: 10, per: "1s", burst: 4 }] }));
    for (const t of times) {
      for (const span of [100, 500, 1000, 2000]) expect(times.filter((u) => u > t - span && u <= t).length).toBeLessThanOrEqual(4 + span / 100);
    }
  });

  it("several limits hold at once; each binds in turn", async () => {
    // 4/s with burst 2, and 6 per minute with burst 6 (then one every 10 s)
    const h = limited({
      limits: [
        { requests: 4, per: "1s", burst: 2 },
        { requests: 6, per: "1m", burst: 6 },
      ],
    });
    for (let i = 0; i < 8; i++) h.start(`/${i}`);
    await h.clock.advance(30_000);
    expect(h.sent.map((s) => s.at)).toEqual([0, 0, 250, 500, 750, 1000, 10_000, 20_000]);
  });

  it("a limit faster than one per ms has a burst of at least its per-ms share (clocks and timers count whole ms): 4000/s sends 4 at once, then one every 0.25 ms", async () => {
    const h = limited({ limits: [{ requests: 4000, per: "1s" }] });
    for (let i = 0; i < 8; i++) h.start(`/${i}`);
    await h.clock.advance(0);
    expect(h.sent.map((s) => s.at)).toEqual([0, 0, 0, 0]);
    await h.clock.advance(10);
    expect(h.sent.map((s) => s.at)).toEqual([0, 0, 0, 0, 0.25, 0.5, 0.75, 1]);
  });

  it("a limit far above the traffic never makes a request wait (1,000,000/s and 10⁹/h: 200 calls in one ms all go at once)", async () => {
    const h = limited({
      limits: [
        { requests: 1_000_000, per: "1s" },
        { requests: 1_000_000_000, per: "1h" },
      ],
    });
    const calls = Array.from({ length: 200 }, (_, i) => h.start(`/${i}`));
    await Promise.all(calls.map((c) => c.settled));
    expect(h.sent).toHaveLength(200);
    expect(h.sent.every((s) => s.at === 0)).toBe(true);
  });
});

describe("rateLimit: waiting", () => {
  it("serves waiters first in, first out", async () => {
    const h = limited({ limits: [{ requests: 1, per: "1s" }] });
    for (let i = 0; i < 4; i++) h.start(`/${i}`);
    await h.clock.advance(5000);
    expect(h.sent.map((s) => s.path)).toEqual(["/0", "/1", "/2", "/3"]);
  });

  it("lets a lower priority number overtake waiting requests", async () => {
    const h = limited({ limits: [{ requests: 1, per: "1s" }] });
    h.start("/first");
    for (let i = 0; i < 3; i++) h.start(`/low-${i}`, { context: { priority: 5 } });
    h.start("/urgent", { context: { priority: 0 } });
    await h.clock.advance(10_000);
    expect(h.sent.map((s) => s.path)).toEqual(["/first", "/urgent", "/low-0", "/low-1", "/low-2"]);
  });

  it("fails fast with RateLimitError saying when to retry when the wait would exceed maxWait, sending nothing", async () => {
    const h = limited({ limits: [{ requests: 1, per: "10s" }], maxWait: "1s" });
    await h.call("/a");
    const start = h.clock.now();
    const err = (await h.call("/b").catch((e: unknown) => e)) as RateLimitError;
    expect(isRateLimitError(err)).toBe(true);
    expect(err.retryAt).toBe(start + 10_000);
    expect(err.request).toEqual({ method: "GET", url: "https://api.example.com/b" });
    expect(h.sent).toHaveLength(1);
    expect(h.clock.now()).toBe(start); // no time spent waiting
  });

  it("estimates the wait of a request joining a queue and fails it fast when over maxWait", async () => {
    const h = limited({ limits: [{ requests: 10, per: "1s" }], maxWait: "250ms" });
    // slots at 0, 100 and 200 ms; the next would be at 300 ms
    const calls = Array.from({ length: 3 }, (_, i) => h.start(`/${i}`));
    await h.clock.flush();
    const late = h.start("/late");
    await h.clock.flush();
    expect(late.done).toBe(true);
    expect(isRateLimitError(late.error)).toBe(true);
    expect((late.error as RateLimitError).retryAt).toBe(h.clock.now() + 300);
    await h.clock.advance(1000);
    expect(calls.every((c) => c.done && c.error === undefined)).toBe(true);
    expect(h.sent.map((s) => s.at)).toEqual([0, 100, 200]);
  });

  it("estimates a queued request's wait with the limit that binds, not the loosest one", async () => {
    // 25/s spaces requests 40 ms apart; the hourly bucket of 5000 has plenty left and costs nothing yet
    const h = limited({
      limits: [
        { requests: 25, per: "1s" },
        { requests: 5000, per: "1h", burst: 5000 },
      ],
      maxWait: "1s",
    });
    const calls = Array.from({ length: 30 }, (_, i) => h.start(`/${i}`));
    await h.clock.flush();
    // slots at 0, 40, ..., 1000 ms fit in maxWait; the next, 1040 ms, does not: the rest fail at once
    const refused = calls.filter((c) => isRateLimitError(c.error));
    expect(refused.map((c) => (c.error as RateLimitError).retryAt - h.clock.now())).toEqual([1040, 1040, 1040, 1040]);
    expect(refused).toEqual(calls.slice(26));
    await h.clock.advance(2000);
    expect(calls.slice(0, 26).every((c) => c.done && c.error === undefined)).toBe(true);
    expect(h.sent.map((s) => s.at)).toEqual(Array.from({ length: 26 }, (_, i) => i * 40));
  });

  it("once the looser limit's bucket runs dry, the queue's estimate follows its spacing", async () => {
    // 10/s, and 6/min with a burst of 3: three go 100 ms apart, then one every 10 s
    const h = limited({
      limits: [
        { requests: 10, per: "1s" },
        { requests: 6, per: "1m", burst: 3 },
      ],
      maxWait: "15s",
    });
    const calls = Array.from({ length: 4 }, (_, i) => h.start(`/${i}`));
    await h.clock.advance(300);
    expect(h.sent.map((s) => s.at)).toEqual([0, 100, 200]);
    // /3 waits for 10 s; a request behind it would go at 20 s, past maxWait
    const late = h.start("/late");
    await h.clock.flush();
    expect(late.done).toBe(true);
    expect((late.error as RateLimitError).retryAt - h.clock.now()).toBeGreaterThan(15_000);
    await h.clock.advance(10_000);
    expect(calls.every((c) => c.done && c.error === undefined)).toBe(true);
    expect(h.sent.map((s) => s.at)).toEqual([0, 100, 200, 10_000]);
  });

  it("fails fast when the request's deadline comes before its slot", async () => {
    const h = limited({ limits: [{ requests: 1, per: "1s" }] });
    await h.call("/a");
    const err = await h.call("/b", { deadline: h.clock.now() + 300 }).catch((e: unknown) => e);
    expect(isRateLimitError(err)).toBe(true);
    expect(h.sent).toHaveLength(1);
  });

  it("an aborted waiter leaves the queue with AbortError and the next one takes its turn", async () => {
    const h = limited({ limits: [{ requests: 1, per: "1s" }] });
    await h.call("/a");
    const controller = new AbortController();
    const b = h.start("/b", { signal: controller.signal });
    const c = h.start("/c");
    await h.clock.advance(100);
    controller.abort("user gave up");
    await b.settled;
    expect(isAbortError(b.error)).toBe(true);
    expect((b.error as { reason: unknown }).reason).toBe("user gave up");
    await h.clock.advance(2000);
    expect(h.sent.map((s) => s.path)).toEqual(["/a", "/c"]);
    expect(c.error).toBeUndefined();
  });

  it("an already-aborted signal fails without sending", async () => {
    const h = limited({ limits: [{ requests: 1, per: "1s" }] });
    await h.call("/a");
    const err = await h.call("/b", { signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect(isAbortError(err)).toBe(true);
    expect(h.sent).toHaveLength(1);
  });
});

describe("rateLimit: learning from responses", () => {
  it("pauses the key after 429 + Retry-After, and returns the 429 unchanged", async () => {
    const pauses: unknown[] = [];
    const h = limited({ limits: [{ requests: 100, per: "1s", burst: 100 }], onPause: (e) => pauses.push(e) });
    h.answer((req) => (req.path === "/limited" ? { status: 429, headers: { "retry-after": "3" } } : {}));
    const res = await h.call("/limited");
    expect(res.status).toBe(429);
    expect(pauses).toEqual([{ key: "https://api.example.com", pauseMs: 3000, status: 429 }]);
    h.start("/after");
    await h.clock.advance(2999);
    expect(h.sent.map((s) => s.path)).toEqual(["/limited"]);
    await h.clock.advance(100);
    expect(h.sent.map((s) => s.path)).toEqual(["/limited", "/after"]);
  });

  it("pauses until X-RateLimit-Reset when X-RateLimit-Remaining is 0, even on a 200 (epoch seconds, GitHub)", async () => {
    const h = limited({ limits: [{ requests: 100, per: "1s", burst: 100 }] });
    const now = h.clock.now();
    const date = new Date(now).toUTCString();
    const reset = Math.floor(now / 1000) + 60;
    h.answer(() => ({ headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(reset), date } }));
    await h.call("/last");
    h.answer(() => ({}));
    h.start("/next");
    await h.clock.advance(59_000 - (now % 1000));
    expect(h.sent).toHaveLength(1);
    await h.clock.advance(2000);
    expect(h.sent).toHaveLength(2);
  });

  it("understands IETF RateLimit headers (r=0;t=N)", async () => {
    const h = limited({ limits: [{ requests: 100, per: "1s", burst: 100 }] });
    h.answer(() => ({ headers: { "ratelimit-policy": '"default";q=100;w=60', ratelimit: '"default";r=0;t=5' } }));
    await h.call("/a");
    h.answer(() => ({}));
    h.start("/b");
    await h.clock.advance(4900);
    expect(h.sent).toHaveLength(1);
    await h.clock.advance(200);
    expect(h.sent).toHaveLength(2);
  });

  it("shows the server's RateLimit-Policy in stats, with what RateLimit last said is left of each policy", async () => {
    let limiter!: ReturnType<typeof rateLimit>;
    const h = harness((clock) => {
      limiter = rateLimit({ limits: [{ requests: 100, per: "1s", burst: 100 }], clock, key: "k" });
      return [limiter];
    });
    h.answer(() => ({ headers: { "ratelimit-policy": '"minute";q=50;w=60, "day";q=1000;w=86400', ratelimit: '"minute";r=49;t=60' } }));
    await h.call("/a");
    // later responses name the policy without describing it again
    h.answer(() => ({ headers: { ratelimit: '"minute";r=48;t=59' } }));
    await h.call("/b");
    expect(limiter.stats().keys.k?.server).toEqual([
      { policy: "minute", quota: 50, windowMs: 60_000, unit: "requests", remaining: 48, resetAt: h.clock.now() + 59_000 },
      { policy: "day", quota: 1000, windowMs: 86_400_000, unit: "requests", remaining: undefined, resetAt: undefined },
    ]);
  });

  it("nothing left of a policy, and no reset: pauses for the window of the policy the server described earlier", async () => {
    const pauses: number[] = [];
    const h = limited({ limits: [{ requests: 100, per: "1s", burst: 100 }], onPause: (e) => pauses.push(e.pauseMs) });
    h.answer(() => ({ headers: { "ratelimit-policy": '"default";q=100;w=10', ratelimit: '"default";r=1' } }));
    await h.call("/a");
    h.answer(() => ({ headers: { ratelimit: '"default";r=0' } }));
    await h.call("/b");
    expect(pauses).toEqual([10_000]);
    h.answer(() => ({}));
    h.start("/c");
    await h.clock.advance(9_900);
    expect(h.sent.map((s) => s.path)).toEqual(["/a", "/b"]);
    await h.clock.advance(200);
    expect(h.sent.map((s) => s.path)).toEqual(["/a", "/b", "/c"]);
  });

  it("caps a learned pause at maxPause", async () => {
    const h = limited({ limits: [{ requests: 100, per: "1s", burst: 100 }], maxPause: "10s" });
    h.answer(() => ({ status: 429, headers: { "retry-after": "86400" } }));
    await h.call("/a");
    h.answer(() => ({}));
    h.start("/b");
    await h.clock.advance(10_001);
    expect(h.sent).toHaveLength(2);
  });

  it("learn: false ignores server signals", async () => {
    const h = limited({ limits: [{ requests: 100, per: "1s", burst: 100 }], learn: false });
    h.answer(() => ({ status: 429, headers: { "retry-after": "30" } }));
    await h.call("/a");
    await h.call("/b");
    expect(h.sent).toHaveLength(2);
  });

  it("a pause learned by one limiter holds every limiter sharing the store", async () => {
    const store = memoryStore();
    const clockless: RateLimitOptions = { limits: [{ requests: 100, per: "1s", burst: 100 }], store, key: "shared" };
    const a = harness(() => [rateLimit(clockless)]);
    const b = harness(() => [rateLimit(clockless)]);
    a.answer(() => ({ status: 429, headers: { "retry-after": "60" } }));
    await a.call("/a");
    const err = await b.call("/b", { deadline: Date.now() + 1000 }).catch((e: unknown) => e);
    expect(isRateLimitError(err)).toBe(true);
    expect((err as RateLimitError).retryAt).toBeGreaterThan(Date.now() + 55_000);
  });
});

describe("rateLimit: keys and stats", () => {
  it("keys by origin and a digest of the credential, never the credential itself", async () => {
    const secret = "sk_live_supersecretvalue";
    const limiter = rateLimit({ limits: [{ requests: 1, per: "1m" }], maxWait: 0 });
    const h = harness(() => [limiter]);
    await h.call("/a", { headers: { authorization: `Bearer ${secret}` } });
    await h.call("/a", { headers: { authorization: "Bearer other-key" } });
    const err = await h.call("/a", { headers: { authorization: `Bearer ${secret}` } }).catch((e: unknown) => e);
    expect(isRateLimitError(err)).toBe(true);
    const keys = Object.keys(limiter.stats().keys);
    expect(keys).toHaveLength(2);
    for (const k of keys) expect(k).toMatch(/^https:\/\/api\.example\.com#[\w-]{16}$/);
    const shown = JSON.stringify([limiter.stats(), err]) + inspect(err);
    expect(shown).not.toContain(secret);
    expect(shown).not.toContain("supersecret");
  });

  it("uses a custom key function", async () => {
    const limiter = rateLimit({ limits: [{ requests: 1, per: "1m" }], maxWait: 0, key: (req) => req.route });
    const h = harness(() => [limiter]);
    await h.call("/a");
    await h.call("/b");
    expect(Object.keys(limiter.stats().keys).sort()).toEqual(["/a", "/b"]);
  });

  it("stats show remaining capacity, pauses and the queue", async () => {
    let limiter!: ReturnType<typeof rateLimit>;
    const h = harness((clock) => {
      limiter = rateLimit({ limits: [{ requests: 10, per: "1s", burst: 5 }], clock, key: "k" });
      return [limiter];
    });
    await h.call("/a");
    await h.call("/b");
    expect(limiter.stats().keys.k).toMatchObject({ remaining: 3, pausedUntil: undefined, queued: 0 });
    h.answer(() => ({ status: 429, headers: { "retry-after": "2" } }));
    await h.call("/c");
    h.answer(() => ({}));
    h.start("/d");
    await h.clock.flush();
    expect(limiter.stats().keys.k).toMatchObject({ pausedUntil: h.clock.now() + 2000, queued: 1 });
    expect(limiter.stats().limits).toEqual([{ requests: 10, per: 1000, burst: 5 }]);
  });
});

describe("rateLimit: options", () => {
  it.each([
    [{ limits: [] }, "rateLimit.limits"],
    [{ limits: [{ requests: 0, per: "1s" }] }, "rateLimit.limits[0].requests"],
    [
      {
        limits: [
          { requests: 5, per: "1s" },
          { requests: 5, per: "soon" },
        ],
      },
      "rateLimit.limits[1].per",
    ],
    [{ limits: [{ requests: 5, per: 0 }] }, "rateLimit.limits[0].per"],
    [{ limits: [{ requests: 5, per: "1s", burst: 6 }] }, "rateLimit.limits[0].burst"],
    [{ limits: [{ requests: 5, per: "1s" }], maxWait: -1 }, "rateLimit.maxWait"],
    [{ limits: [{ requests: 5, per: "1s" }], key: 5 }, "rateLimit.key"],
    [{ limits: [{ requests: 5, per: "1s" }], store: {} }, "rateLimit.store"],
    [{ limits: [{ requests: 5, per: "1s" }], store: { get() {}, set() {}, delete() {} } }, "rateLimit.store"],
    [{ limits: [{ requests: 5, per: "1s" }], clock: Date }, "rateLimit.clock"],
    [{ limits: [{ requests: 5, per: "1s" }], clock: { now: (): number => 0 } }, "rateLimit.clock"],
  ])("rejects %j naming %s", (options, option) => {
    try {
      rateLimit(options as unknown as RateLimitOptions);
      expect.unreachable();
    } catch (e) {
      expect(isConfigError(e)).toBe(true);
      expect((e as { option: string }).option).toBe(option);
    }
  });

  it("says what to do when given a Redis client instead of a store", () => {
    const redisClient = { evalsha() {}, get() {}, set() {} };
    expect(() => rateLimit({ limits: [{ requests: 5, per: "1s" }], store: redisClient as never })).toThrow(/wrap it in redisStore\(redis\)/);
  });
});
