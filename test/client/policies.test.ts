import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../../src/client/create-client.js";
import { isCircuitOpenError, isConfigError, isRateLimitError } from "../../src/errors.js";
import { constantBackoff } from "../../src/middleware/backoff.js";
import { type ApiSimulator, createApiSimulator } from "../../src/testing/index.js";

let sim: ApiSimulator;
beforeAll(async () => {
  sim = await createApiSimulator();
});
afterAll(() => sim.close());
afterEach(() => sim.reset());

describe("policies wired by createClient", () => {
  it("an open circuit stops the retries at once, without touching the server", async () => {
    const route = sim.route("GET", "/down", { status: 503 });
    const c = createClient({
      baseUrl: sim.url,
      retry: { attempts: 10, backoff: constantBackoff(1) },
      circuitBreaker: { consecutiveFailures: 3, halfOpenAfter: "10s" },
    });
    const err = await c.get("/down").catch((e: unknown) => e);
    expect(isCircuitOpenError(err)).toBe(true);
    expect(route.calls).toBe(3);
    await expect(c.get("/down")).rejects.toSatisfy(isCircuitOpenError);
    expect(route.calls).toBe(3);
    expect(c.stats().policies.circuitBreaker).toBeDefined();
    await c.close();
  });

  it("every attempt passes the rate limiter, and stats() shows it", async () => {
    sim.route("GET", "/r", [{ status: 503 }, { json: {} }]);
    const c = createClient({
      baseUrl: sim.url,
      retry: { backoff: constantBackoff(1) },
      rateLimit: { limits: [{ requests: 3, per: "1h", burst: 3 }], maxWait: 0 },
    });
    await c.get("/r"); // two attempts, two units of quota
    const stats = c.stats().policies.rateLimit as { keys: Record<string, { remaining: number }> };
    expect(Object.values(stats.keys)[0]?.remaining).toBe(1);
    await c.get("/r");
    await expect(c.get("/r")).rejects.toSatisfy(isRateLimitError);
    await c.close();
  });

  it("concurrency caps calls in flight", async () => {
    let inFlight = 0;
    let peak = 0;
    sim.route("GET", "/slow", async () => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 20));
      inFlight--;
      return { json: {} };
    });
    const c = createClient({ baseUrl: sim.url, concurrency: 3 });
    await Promise.all(Array.from({ length: 12 }, () => c.get("/slow")));
    expect(peak).toBe(3);
    await c.close();
  });

  it("cache and dedupe are switched on by option", async () => {
    const route = sim.route("GET", "/cached", { json: { v: 1 }, headers: { "cache-control": "max-age=60" } });
    const c = createClient({ baseUrl: sim.url, cache: true, dedupe: true });
    await Promise.all([c.get("/cached"), c.get("/cached"), c.get("/cached")]);
    expect(await c.get("/cached")).toEqual({ v: 1 });
    expect(route.calls).toBe(1);
    expect(Object.keys(c.stats().policies)).toEqual(expect.arrayContaining(["cache", "dedupe", "retry"]));
    await c.close();
  });

  it("rejects a malformed policy option naming it", () => {
    let caught: unknown;
    try {
      createClient({ baseUrl: sim.url, cache: 3 as never });
    } catch (e) {
      caught = e;
    }
    expect(isConfigError(caught)).toBe(true);
    expect((caught as { option: string }).option).toBe("cache");
  });
});
