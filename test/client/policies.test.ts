import { describe, expect, it, onTestFinished } from "vitest";
import { createClient } from "../../src/client/create-client.js";
import { isCircuitOpenError, isConfigError, isRateLimitError } from "../../src/errors.js";
import { constantBackoff } from "../../src/middleware/retry/backoff.js";
import { useSimulator } from "../support/simulator.js";

const env = useSimulator();

describe("policies wired by createClient", () => {
  it("an open circuit stops the retries at once, without touching the server", async () => {
    const route = env.sim.route("GET", "/down", { status: 503 });
    const c = createClient({
      baseUrl: env.sim.url,
      retry: { attempts: 10, backoff: constantBackoff(1) },
      circuitBreaker: { consecutiveFailures: 3, halfOpenAfter: "10s" },
    });
    onTestFinished(() => c.close());
    const err = await c.get("/down").catch((e: unknown) => e);
    expect(isCircuitOpenError(err)).toBe(true);
    expect(route.calls).toBe(3);
    await expect(c.get("/down")).rejects.toSatisfy(isCircuitOpenError);
    expect(route.calls).toBe(3);
    expect(c.stats().policies.circuitBreaker).toBeDefined();
  });

  it("every attempt passes the rate limiter, and stats() shows it", async () => {
    env.sim.route("GET", "/r", [{ status: 503 }, { json: {} }]);
    const c = createClient({
      baseUrl: env.sim.url,
      retry: { backoff: constantBackoff(1) },
      rateLimit: { limits: [{ requests: 3, per: "1h", burst: 3 }], maxWait: 0 },
    });
    onTestFinished(() => c.close());
    await c.get("/r"); // two attempts, two units of quota
    const stats = c.stats().policies.rateLimit as { keys: Record<string, { remaining: number }> };
    expect(Object.values(stats.keys)[0]?.remaining).toBe(1);
    await c.get("/r");
    await expect(c.get("/r")).rejects.toSatisfy(isRateLimitError);
  });

  it("keys the rate limit by the auth credential's fingerprint, never the credential itself", async () => {
    env.sim.route("GET", "/r", { json: {} });
    const { memoryStore } = await import("../../src/stores/memory.js");
    const { bearer } = await import("../../src/middleware/auth/auth.js");
    const store = memoryStore();
    const limits = { limits: [{ requests: 1, per: "1h" as const, burst: 1 }], maxWait: 0 };
    const a = createClient({ baseUrl: env.sim.url, store, auth: bearer("sk_live_AAAA"), rateLimit: limits, retry: false });
    const a2 = createClient({ baseUrl: env.sim.url, store, auth: bearer("sk_live_AAAA"), rateLimit: limits, retry: false });
    const b = createClient({ baseUrl: env.sim.url, store, auth: bearer("sk_live_BBBB"), rateLimit: limits, retry: false });
    await a.get("/r");
    await expect(a2.get("/r")).rejects.toSatisfy(isRateLimitError); // same key: same quota
    await b.get("/r"); // another key: its own quota
    const keys = Object.keys((a.stats().policies.rateLimit as { keys: object }).keys);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(new RegExp(`^${env.sim.url}#[A-Za-z0-9_-]{16}$`));
    expect(JSON.stringify(a.stats())).not.toContain("sk_live_AAAA");
    await Promise.all([a.close(), a2.close(), b.close()]);
  });

  it("concurrency caps calls in flight", async () => {
    let inFlight = 0;
    let peak = 0;
    env.sim.route("GET", "/slow", async () => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 20));
      inFlight--;
      return { json: {} };
    });
    const c = createClient({ baseUrl: env.sim.url, concurrency: 3 });
    onTestFinished(() => c.close());
    await Promise.all(Array.from({ length: 12 }, () => c.get("/slow")));
    expect(peak).toBe(3);
  });

  it("cache and dedupe are switched on by option", async () => {
    const route = env.sim.route("GET", "/cached", { json: { v: 1 }, headers: { "cache-control": "max-age=60" } });
    const c = createClient({ baseUrl: env.sim.url, cache: true, dedupe: true });
    onTestFinished(() => c.close());
    await Promise.all([c.get("/cached"), c.get("/cached"), c.get("/cached")]);
    expect(await c.get("/cached")).toEqual({ v: 1 });
    expect(route.calls).toBe(1);
    expect(Object.keys(c.stats().policies)).toEqual(expect.arrayContaining(["cache", "dedupe", "retry"]));
  });

  it("rejects a malformed policy option naming it", () => {
    let caught: unknown;
    try {
      createClient({ baseUrl: env.sim.url, cache: 3 as never });
    } catch (e) {
      caught = e;
    }
    expect(isConfigError(caught)).toBe(true);
    expect((caught as { option: string }).option).toBe("cache");
  });
});
