import { request } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import { createApiSimulator, createFakeClock, type SimRateLimit, type SimRateLimitOptions } from "../../src/testing/index.js";
import { useSimulator } from "../support/simulator.js";

// A fake clock drives the limiter's windows: counts are exact, no real waiting.
const clock = createFakeClock(1_700_000_000_000);
const env = useSimulator({ clock });
afterEach(() => removeLimits());

const limits: SimRateLimit[] = [];
function limit(options: SimRateLimitOptions): SimRateLimit {
  const handle = env.sim.rateLimit(options);
  limits.push(handle);
  return handle;
}
function removeLimits(): void {
  for (const handle of limits.splice(0)) handle.remove();
}

async function get(path: string, headers: Record<string, string> = {}) {
  const res = await request(env.sim.url + path, { dispatcher: env.agent, headers });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, body: text ? (JSON.parse(text) as unknown) : undefined };
}

async function statuses(n: number, path = "/x", headers: Record<string, string> = {}): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await get(path, headers)).status);
  return out;
}

describe("sim.rateLimit", () => {
  it("allows exactly `requests` per window, rejects the rest with 429 and counts them", async () => {
    env.sim.route("GET", "/x", { json: { ok: true } });
    const handle = limit({ requests: 5, per: 1_000 });
    expect(await statuses(8)).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
    expect(env.sim.rejected).toBe(3);
    expect(handle.rejected).toBe(3);
  });

  it("is a sliding window: a slot frees exactly when the oldest request leaves the window", async () => {
    env.sim.route("GET", "/x", {});
    limit({ requests: 2, per: 1_000 });
    expect(await statuses(2)).toEqual([200, 200]); // t=0
    await clock.advance(600);
    expect(await statuses(1)).toEqual([429]); // t=600: both still within 1000 ms
    await clock.advance(399);
    expect(await statuses(1)).toEqual([429]); // t=999
    await clock.advance(1);
    expect(await statuses(3)).toEqual([200, 200, 429]); // t=1000: the two from t=0 left the window
  });

  it("rejected requests use no budget", async () => {
    env.sim.route("GET", "/x", {});
    limit({ requests: 1, per: 100 });
    expect(await statuses(1)).toEqual([200]);
    for (let i = 0; i < 5; i++) {
      await clock.advance(10);
      expect(await statuses(1)).toEqual([429]);
    }
    await clock.advance(50); // 100 ms after the only accepted request
    expect(await statuses(1)).toEqual([200]);
  });

  it("sends Retry-After: seconds until a slot frees (rounded up), or the configured value", async () => {
    env.sim.route("GET", "/x", {});
    limit({ requests: 1, per: "10s" });
    await get("/x");
    await clock.advance(2_500);
    const rejected = await get("/x");
    expect(rejected.status).toBe(429);
    expect(rejected.headers["retry-after"]).toBe("8");
    expect(rejected.body).toEqual({ error: "rate_limited", message: "Too many requests" });

    removeLimits();
    limit({ requests: 1, per: "10s", retryAfter: 30 });
    await get("/x");
    expect((await get("/x")).headers["retry-after"]).toBe("30");

    removeLimits();
    limit({ requests: 1, per: "10s", retryAfter: false });
    await get("/x");
    const none = await get("/x");
    expect(none.status).toBe(429);
    expect(none.headers["retry-after"]).toBeUndefined();
  });

  it("x-ratelimit headers: limit, remaining, reset in seconds from now, on every response", async () => {
    env.sim.route("GET", "/x", {});
    limit({ requests: 3, per: 60_000 });
    const first = await get("/x");
    expect(first.headers["x-ratelimit-limit"]).toBe("3");
    expect(first.headers["x-ratelimit-remaining"]).toBe("2");
    expect(first.headers["x-ratelimit-reset"]).toBe("60");
    await clock.advance(15_000);
    await get("/x");
    const third = await get("/x");
    expect(third.headers["x-ratelimit-remaining"]).toBe("0");
    expect(third.headers["x-ratelimit-reset"]).toBe("45");
    const rejected = await get("/x");
    expect(rejected.status).toBe(429);
    expect(rejected.headers["x-ratelimit-remaining"]).toBe("0");
    expect(rejected.headers["retry-after"]).toBe("45");
  });

  it("github headers: reset as epoch seconds, used, resource; status 403 when asked", async () => {
    env.sim.route("GET", "/x", {});
    limit({ requests: 2, per: "1h", headers: "github", status: 403 });
    const first = await get("/x");
    expect(first.headers["x-ratelimit-used"]).toBe("1");
    expect(first.headers["x-ratelimit-remaining"]).toBe("1");
    expect(first.headers["x-ratelimit-resource"]).toBe("core");
    expect(first.headers["x-ratelimit-reset"]).toBe(String(Math.ceil((clock.now() + 3_600_000) / 1000)));
    await get("/x");
    const rejected = await get("/x");
    expect(rejected.status).toBe(403);
    expect(rejected.headers["x-ratelimit-remaining"]).toBe("0");
  });

  it("ietf headers: RateLimit-Policy and RateLimit structured fields", async () => {
    env.sim.route("GET", "/x", {});
    limit({ requests: 10, per: "1m", headers: "ietf" });
    const res = await get("/x");
    expect(res.headers["ratelimit-policy"]).toBe('"default";q=10;w=60');
    expect(res.headers.ratelimit).toBe('"default";r=9;t=60');
    expect(res.headers["x-ratelimit-limit"]).toBeUndefined();
  });

  it("headers: none sends only Retry-After on rejections", async () => {
    env.sim.route("GET", "/x", {});
    limit({ requests: 1, per: 1_000, headers: "none" });
    const ok = await get("/x");
    expect(Object.keys(ok.headers).filter((h) => h.includes("ratelimit"))).toEqual([]);
    expect((await get("/x")).headers["retry-after"]).toBe("1");
  });

  it("route: limits only paths matching the template", async () => {
    env.sim.route("GET", "/search", {});
    env.sim.route("GET", "/x", {});
    limit({ requests: 1, per: 1_000, route: "/search" });
    expect(await statuses(2, "/search")).toEqual([200, 429]);
    expect(await statuses(3, "/x")).toEqual([200, 200, 200]);
  });

  it("key: separate budgets per key", async () => {
    env.sim.route("GET", "/x", {});
    limit({ requests: 2, per: 1_000, key: (req) => String(req.headers.authorization) });
    expect(await statuses(3, "/x", { authorization: "a" })).toEqual([200, 200, 429]);
    expect(await statuses(3, "/x", { authorization: "b" })).toEqual([200, 200, 429]);
  });

  it("several limits at once: the tightest speaks, a rejection by one uses no budget in the others", async () => {
    env.sim.route("GET", "/x", {});
    const perSecond = limit({ requests: 2, per: 1_000 });
    const perMinute = limit({ requests: 3, per: 60_000 });
    expect(await statuses(3)).toEqual([200, 200, 429]); // per-second limit
    expect(perSecond.rejected).toBe(1);
    expect(perMinute.rejected).toBe(0);
    await clock.advance(1_000);
    const third = await get("/x");
    expect(third.status).toBe(200);
    expect(third.headers["x-ratelimit-limit"]).toBe("3"); // minute budget now tighter: 0 left
    expect(third.headers["x-ratelimit-remaining"]).toBe("0");
    const fourth = await get("/x");
    expect(fourth.status).toBe(429);
    expect(fourth.headers["retry-after"]).toBe("59");
    expect(env.sim.rejected).toBe(2);
  });

  it("fixed-window: a full window rejects until the next aligned window starts", async () => {
    env.sim.route("GET", "/x", {});
    clock.set(Math.ceil(clock.now() / 1_000) * 1_000 + 900); // 100 ms before a window edge
    limit({ requests: 2, per: 1_000, algorithm: "fixed-window" });
    expect(await statuses(3)).toEqual([200, 200, 429]);
    expect((await get("/x")).headers["x-ratelimit-reset"]).toBe("1");
    await clock.advance(100);
    expect(await statuses(3)).toEqual([200, 200, 429]); // a burst of 4 within 100 ms, across the edge
  });

  it("token-bucket: burst goes at once, then requests come back at the refill rate", async () => {
    env.sim.route("GET", "/x", {});
    limit({ requests: 2, per: "1s", algorithm: "token-bucket", burst: 40, headers: "github" });
    expect((await statuses(41)).filter((s) => s === 429)).toHaveLength(1);
    const rejected = await get("/x");
    expect(rejected.headers["retry-after"]).toBe("1");
    expect(rejected.headers["x-ratelimit-limit"]).toBe("40");
    await clock.advance(500);
    expect(await statuses(2)).toEqual([200, 429]);
  });

  it("requests rejected by the limit reach no route but are in the request log", async () => {
    const route = env.sim.route("GET", "/x", {});
    limit({ requests: 1, per: 1_000 });
    await statuses(3);
    expect(route.calls).toBe(1);
    expect(env.sim.requests).toHaveLength(3);
  });

  it("sim.reset() and handle.reset() forget counted requests; remove() lifts the limit", async () => {
    env.sim.route("GET", "/x", {});
    const handle = limit({ requests: 1, per: 60_000 });
    expect(await statuses(2)).toEqual([200, 429]);
    env.sim.reset();
    expect(env.sim.rejected).toBe(0);
    expect(await statuses(2)).toEqual([200, 429]);
    handle.reset();
    expect(handle.rejected).toBe(0);
    expect(await statuses(1)).toEqual([200]);
    handle.remove();
    expect(await statuses(3)).toEqual([200, 200, 200]);
  });

  it("rejects invalid options", () => {
    expect(() => env.sim.rateLimit({ requests: 0, per: 1_000 })).toThrow(/requests/);
    expect(() => env.sim.rateLimit({ requests: 1, per: -1 })).toThrow(/per/);
    expect(() => env.sim.rateLimit({ requests: 1, per: 0 })).toThrow(/per/);
  });
});

describe("sim.rateLimit in real time", () => {
  it("never admits more than N in any window under a burst of concurrent requests", async () => {
    const real = await createApiSimulator();
    try {
      const route = real.route("GET", "/x", {});
      real.rateLimit({ requests: 5, per: 200 });
      const burst = await Promise.all(
        Array.from({ length: 12 }, () =>
          request(`${real.url}/x`, { dispatcher: env.agent }).then(async (r) => {
            await r.body.dump();
            return r.statusCode;
          }),
        ),
      );
      const admitted = burst.filter((s) => s === 200).length;
      // A slow machine may spread the burst over more than one window, so assert the invariant, not a count.
      expect(admitted).toBeGreaterThanOrEqual(5);
      expect(real.rejected).toBe(12 - admitted);
      const times = route.requests.map((r) => r.receivedAt);
      for (const t of times) expect(times.filter((u) => u >= t && u - t < 200).length).toBeLessThanOrEqual(5);
      await new Promise((r) => setTimeout(r, 250));
      const later = await request(`${real.url}/x`, { dispatcher: env.agent });
      await later.body.dump();
      expect(later.statusCode).toBe(200);
    } finally {
      await real.close();
    }
  });
});
