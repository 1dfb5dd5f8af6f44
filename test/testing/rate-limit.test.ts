import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/errors.js";
import { applyRateLimits, SimLimiter, type SimRateLimitOptions } from "../../src/testing/rate-limit.js";
import { ReceivedRequest } from "../../src/testing/request.js";

function req(path = "/x"): ReceivedRequest {
  return new ReceivedRequest(1, "GET", path, {}, Buffer.alloc(0), 1, 0);
}

/** Feeds arrivals (gaps in ms) through one limiter; returns which were allowed and at what time. */
function run(options: SimRateLimitOptions, gaps: number[]): { now: number; allowed: boolean }[] {
  const limiter = new SimLimiter(options);
  let now = 1_000_000;
  return gaps.map((gap) => {
    now += gap;
    return { now, allowed: applyRateLimits([limiter], req(), now).rejection === undefined };
  });
}

const arrivals = fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 60 });

describe("the simulator's rate-limit algorithms", () => {
  it("sliding-log matches a brute-force log: never more than `requests` in any window of `per`", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 500 }), arrivals, (requests, per, gaps) => {
        const accepted: number[] = [];
        for (const { now, allowed } of run({ requests, per }, gaps)) {
          expect(allowed).toBe(accepted.filter((t) => now - t < per).length < requests);
          if (allowed) accepted.push(now);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("fixed-window allows `requests` per aligned window", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 500 }), arrivals, (requests, per, gaps) => {
        const perWindow = new Map<number, number>();
        for (const { now, allowed } of run({ requests, per, algorithm: "fixed-window" }, gaps)) {
          const w = Math.floor(now / per);
          const used = perWindow.get(w) ?? 0;
          expect(allowed).toBe(used < requests);
          if (allowed) perWindow.set(w, used + 1);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("token-bucket matches a brute-force bucket of `burst` tokens refilled at requests/per", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 500 }), arrivals, (requests, burst, per, gaps) => {
        // Exact arithmetic: the bucket counted in 1/per tokens, so a token due at `now` is there at `now`.
        let units = burst * per;
        let last: number | undefined;
        for (const { now, allowed } of run({ requests, per, algorithm: "token-bucket", burst }, gaps)) {
          const level = last === undefined ? units : Math.min(burst * per, units + (now - last) * requests);
          expect(allowed).toBe(level >= per);
          if (allowed) {
            units = level - per;
            last = now;
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it("a token due exactly when a request arrives is there (no float rounding at the boundary)", () => {
    // 12 + 191 + 229 = 432 ms: exactly one token refilled since the bucket of 3 was emptied.
    const results = run({ requests: 1, per: 432, algorithm: "token-bucket", burst: 3 }, [0, 12, 191, 229]);
    expect(results.map((r) => r.allowed)).toEqual([true, true, true, true]);
  });

  it("requests spaced evenly at per/requests pass every algorithm", () => {
    for (const algorithm of ["sliding-log", "fixed-window", "token-bucket"] as const) {
      const results = run(
        { requests: 20, per: 1_000, algorithm },
        Array.from({ length: 200 }, () => 50),
      );
      expect(results.every((r) => r.allowed)).toBe(true);
    }
  });

  it("a token bucket lets `burst` go at once, then one per refill interval", () => {
    const results = run({ requests: 2, per: 1_000, algorithm: "token-bucket", burst: 4 }, [0, 0, 0, 0, 0, 499, 1, 499, 1]);
    expect(results.map((r) => r.allowed)).toEqual([true, true, true, true, false, false, true, false, true]);
  });

  it("rejects invalid options with ConfigError naming the option", () => {
    expect(() => new SimLimiter({ requests: 1.5, per: 10 })).toThrow(ConfigError);
    expect(() => new SimLimiter({ requests: 1, per: "soon" as "1s" })).toThrow(/rateLimit\.per/);
    expect(() => new SimLimiter({ requests: 1, per: 10, algorithm: "magic" as "fixed-window" })).toThrow(/rateLimit\.algorithm/);
    expect(() => new SimLimiter({ requests: 1, per: 10, burst: 5 })).toThrow(/rateLimit\.burst/);
    expect(() => new SimLimiter({ requests: 1, per: 10, headers: "weird" as "ietf" })).toThrow(/rateLimit\.headers/);
    expect(() => new SimLimiter({ requests: 1, per: 10, retryAfter: -1 })).toThrow(/rateLimit\.retryAfter/);
  });
});
