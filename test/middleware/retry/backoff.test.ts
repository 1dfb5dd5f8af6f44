import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { exponentialBackoff } from "../../../src/middleware/retry/backoff.js";
import { retryAfterMs } from "../../../src/middleware/retry/retry-after.js";

describe("exponentialBackoff (full jitter)", () => {
  it("stays within [0, min(cap, base * 2^(n-1))] for any retry and randomness", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 1, max: 100_000 }),
        fc.integer({ min: 1, max: 60 }),
        fc.double({ min: 0, max: 0.9999999, noNaN: true }),
        (base, capExtra, retry, r) => {
          const cap = base + capExtra;
          const wait = exponentialBackoff({ base, cap, random: () => r })(retry);
          expect(wait).toBeGreaterThanOrEqual(0);
          expect(wait).toBeLessThanOrEqual(Math.min(cap, base * 2 ** (retry - 1)));
        },
      ),
    );
  });

  it("without jitter returns the ceiling itself", () => {
    const b = exponentialBackoff({ base: 100, cap: 1000, jitter: "none" });
    expect([1, 2, 3, 4, 5, 6].map(b)).toEqual([100, 200, 400, 800, 1000, 1000]);
  });
});

describe("retryAfterMs", () => {
  const now = Date.UTC(2026, 10, 24, 12, 0, 0);
  it("reads retry-after-ms, seconds and HTTP-dates", () => {
    expect(retryAfterMs({ "retry-after-ms": "250" }, now)).toBe(250);
    expect(retryAfterMs({ "retry-after": "3" }, now)).toBe(3000);
    expect(retryAfterMs({ "retry-after": new Date(now + 5000).toUTCString() }, now)).toBe(5000);
    expect(retryAfterMs({ "retry-after": "soon" }, now)).toBeUndefined();
    expect(retryAfterMs({}, now)).toBeUndefined();
  });

  it("ignores what cannot be a wait (negative, garbage, a date in the past), so retry falls back to its backoff", () => {
    for (const garbage of ["-5", "5 6", "1e3", "", "Infinity", new Date(now - 5000).toUTCString(), "Tue, 99 Foo 2026 00:00:00 GMT"]) {
      expect(retryAfterMs({ "retry-after": garbage }, now), garbage).toBeUndefined();
    }
    expect(retryAfterMs({ "retry-after-ms": "-5" }, now)).toBeUndefined();
  });
});
