/** What the policies do when their shared store (Redis) cannot be reached: a real client with no connection. */
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import type { Clock } from "../../../src/clock.js";
import { isStoreError } from "../../../src/errors.js";
import { circuitBreaker } from "../../../src/middleware/circuit-breaker/circuit-breaker.js";
import { concurrency } from "../../../src/middleware/concurrency/concurrency.js";
import { rateLimit } from "../../../src/middleware/rate-limit/rate-limit.js";
import { memoryStore } from "../../../src/stores/memory.js";
import { redisStore } from "../../../src/stores/redis.js";
import type { Store } from "../../../src/stores/types.js";
import { harness } from "../policy-harness.js";

/** A memory store whose breaker operations fail, as over a lost connection, once `goDown()` is called. */
function storeThatGoesDown(clock: Clock): { store: Store; goDown(): void } {
  const up = memoryStore({ clock });
  let down = false;
  const lost = () => Promise.reject(new Error("connection lost"));
  const store: Store = {
    ...up,
    breakerState: (k, c) => (down ? lost() : up.breakerState(k, c)),
    breakerRecord: (k, c, o) => (down ? lost() : up.breakerRecord(k, c, o)),
    breakerProbe: (k, c) => (down ? lost() : up.breakerProbe(k, c)),
  };
  return { store, goDown: () => (down = true) };
}

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

  it("a breaker that was open when the store went away fails open once it is due to probe: the request is sent", async () => {
    let lose!: () => void;
    const h = harness((clock) => {
      const { store: s, goDown } = storeThatGoesDown(clock);
      lose = goDown;
      return [circuitBreaker({ store: s, clock, consecutiveFailures: 1, failureRate: 0, halfOpenAfter: "5s" })];
    });
    h.answer(() => ({ status: 503 }));
    await h.call("/trip");
    lose();
    await h.clock.advance(5000);
    expect((await h.call("/probe")).status).toBe(503);
    expect((await h.call("/next")).status).toBe(503);
    expect(h.sent.map((s) => s.path)).toEqual(["/trip", "/probe", "/next"]);
  });

  it("the rate limiter refuses to guess: the request fails with a StoreError keeping the store's error, and is not sent", async () => {
    const h = harness(() => [rateLimit({ store, limits: [{ requests: 10, per: "1s" }] })]);
    const error = await h.call("/a").catch((e: unknown) => e);
    expect(isStoreError(error)).toBe(true);
    expect((error as Error).cause).toBeInstanceOf(Error);
    expect(h.sent).toHaveLength(0);
  });

  it("concurrency fails the request with a StoreError rather than waiting forever", async () => {
    const h = harness(() => [concurrency({ store, limit: 2 })]);
    await expect(h.call("/a")).rejects.toSatisfy(isStoreError);
    expect(h.sent).toHaveLength(0);
  });
});
