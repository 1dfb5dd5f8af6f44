/** What the policies do when their shared store (Redis) cannot be reached: a real client with no connection. */
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { circuitBreaker } from "../../src/middleware/circuit-breaker.js";
import { concurrency } from "../../src/middleware/concurrency.js";
import { rateLimit } from "../../src/middleware/rate-limit.js";
import { redisStore } from "../../src/stores/redis.js";
import { harness } from "./policy-harness.js";

describe("policies with an unreachable store", () => {
  // Never connects; with the offline queue off every command fails at once.
  const down = new Redis({ lazyConnect: true, enableOfflineQueue: false, port: 1 });
  const store = redisStore(down);
  afterAll(() => down.disconnect());

  it("the circuit breaker fails open: requests go through and their results reach the caller", async () => {
    const h = harness(() => [circuitBreaker({ store, consecutiveFailures: 1, failureRate: 0 })]);
    h.answer(() => ({ status: 503 }));
    expect((await h.call("/a")).status).toBe(503);
    expect((await h.call("/b")).status).toBe(503);
    expect(h.sent).toHaveLength(2);
  });

  it("the rate limiter refuses to guess: the request fails with the store's error and is not sent", async () => {
    const h = harness(() => [rateLimit({ store, limits: [{ requests: 10, per: "1s" }] })]);
    await expect(h.call("/a")).rejects.toThrow();
    expect(h.sent).toHaveLength(0);
  });

  it("concurrency fails the request with the store's error rather than waiting forever", async () => {
    const h = harness(() => [concurrency({ store, limit: 2 })]);
    await expect(h.call("/a")).rejects.toThrow();
    expect(h.sent).toHaveLength(0);
  });
});
