import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/errors.js";
import { applyRateLimits, SlidingLogLimiter } from "../../src/testing/rate-limit.js";
import { ReceivedRequest } from "../../src/testing/request.js";

function req(path = "/x"): ReceivedRequest {
  return new ReceivedRequest(1, "GET", path, {}, Buffer.alloc(0), 1, 0);
}

describe("SlidingLogLimiter (the simulator's exact limiter)", () => {
  it("matches a brute-force sliding log for any arrival pattern", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 500 }),
        fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 60 }),
        (requests, per, gaps) => {
          const limiter = new SlidingLogLimiter({ requests, per });
          const accepted: number[] = [];
          let now = 0;
          for (const gap of gaps) {
            now += gap;
            const inWindow = accepted.filter((t) => now - t < per).length;
            const expected = inWindow < requests;
            const outcome = applyRateLimits([limiter], req(), now);
            expect(outcome.rejection === undefined).toBe(expected);
            if (expected) accepted.push(now);
          }
          // the defining property: no window of `per` ms ever holds more than `requests` accepted requests
          for (const t of accepted) expect(accepted.filter((u) => u >= t && u - t < per).length).toBeLessThanOrEqual(requests);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("rejects invalid options with ConfigError naming the option", () => {
    expect(() => new SlidingLogLimiter({ requests: 1.5, per: 10 })).toThrow(ConfigError);
    expect(() => new SlidingLogLimiter({ requests: 1, per: "soon" as "1s" })).toThrow(/rateLimit\.per/);
  });
});
