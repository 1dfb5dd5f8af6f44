/**
 * The rate limiter's waiting side: a request's wait ends by the time it
 * started with, however often it goes back to the queue.
 */
import { describe, expect, it } from "vitest";
import { isRateLimitError } from "../../../src/errors.js";
import { createLimiter } from "../../../src/middleware/rate-limit/limiter.js";
import { resolveRateLimitOptions } from "../../../src/middleware/rate-limit/options.js";
import { memoryStore } from "../../../src/stores/memory.js";
import { createFakeClock } from "../../../src/testing/fake-clock.js";

describe("createLimiter: a waiter's time", () => {
  it("a request a pause sends back to the queue keeps the deadline it started with (not a fresh maxWait)", async () => {
    const clock = createFakeClock();
    const t0 = clock.now();
    const { rules } = resolveRateLimitOptions({ limits: [{ requests: 10, per: "1s" }] });
    const limiter = createLimiter(memoryStore({ clock }), rules, clock);
    expect(limiter.acquire("k", { maxWait: Number.POSITIVE_INFINITY })).toBeUndefined();

    // Its slot is 100 ms in; it may wait 300 ms, so it must be sent or refused by t0 + 300.
    const outcome: { at?: number; error?: unknown } = {};
    const waiting = limiter.acquire("k", { maxWait: 300 });
    void waiting?.then(
      () => {
        outcome.at = clock.now() - t0;
      },
      (error: unknown) => {
        outcome.at = clock.now() - t0;
        outcome.error = error;
      },
    );
    // The queue has reserved the slot at 100 ms; a pause until 350 ms comes before it: the request goes back to the queue.
    await clock.advance(60);
    await limiter.pause("k", 290);
    await clock.advance(1000);

    expect(outcome.at).toBeDefined();
    expect(outcome.at).toBeLessThanOrEqual(300);
    // The key is paused past its deadline: refused at once, saying when to come back.
    expect(isRateLimitError(outcome.error)).toBe(true);
  });
});
