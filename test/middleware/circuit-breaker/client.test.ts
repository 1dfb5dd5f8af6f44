/** The breaker in createClient's own pipeline, where it sits outside the rate limiter, the attempt timer and the concurrency limit. */
import { describe, expect, it } from "vitest";
import { createClient } from "../../../src/client/create-client.js";
import type { ClientOptions } from "../../../src/client/options.js";
import { isHttpError, isRateLimitError, isTimeoutError } from "../../../src/errors.js";
import type { CircuitBreakerKeyStats } from "../../../src/middleware/circuit-breaker/circuit-breaker.js";
import { createFakeClock } from "../../../src/testing/fake-clock.js";
import type { ApiRequest, Transport } from "../../../src/types.js";

const BASE = "https://api.example.com";

/** A client on a fake clock whose transport answers `status` after `delay` ms, giving up when the request's signal aborts. */
function client(options: Omit<ClientOptions, "baseUrl" | "clock" | "transport">) {
  const clock = createFakeClock();
  const sent: string[] = [];
  let answer: (req: ApiRequest) => { status: number; delay?: number } = () => ({ status: 200 });
  const transport: Transport = {
    name: "scripted",
    async send(req) {
      sent.push(req.path);
      const { status, delay } = answer(req);
      if (delay) await clock.sleep(delay, req.signal);
      return { status, headers: {}, body: null, request: req, attempts: 1 };
    },
    async close() {},
  };
  const c = createClient({ baseUrl: BASE, clock, transport, retry: false, ...options });
  const breaker = () => (c.stats().policies.circuitBreaker as Record<string, CircuitBreakerKeyStats>)[BASE];
  return {
    c,
    clock,
    sent,
    breaker,
    answer(fn: typeof answer) {
      answer = fn;
    },
  };
}

const breakerOptions = { consecutiveFailures: 1, failureRate: 0, halfOpenAfter: "5s" } as const;

describe("createClient: the circuit breaker and the policies inside it", () => {
  it("a probe the client's rate limiter refuses leaves the breaker half-open", async () => {
    const t = client({ circuitBreaker: breakerOptions, rateLimit: { limits: [{ requests: 1, per: "1m" }], maxWait: 0 } });
    t.answer(() => ({ status: 503 }));
    expect(isHttpError(await t.c.get("/trip").catch((e: unknown) => e))).toBe(true);
    expect(t.breaker()?.state).toBe("open");
    await t.clock.advance(5000);
    expect(isRateLimitError(await t.c.get("/probe").catch((e: unknown) => e))).toBe(true);
    expect(t.breaker()?.state).toBe("half-open");
    expect(t.sent).toEqual(["/trip"]);
  });

  it("a call that timed out waiting for a concurrency permit does not open the breaker", async () => {
    const t = client({ circuitBreaker: breakerOptions, concurrency: 1, timeout: { attempt: "1s" } });
    t.answer(() => ({ status: 200, delay: 5000 }));
    const holder = t.c.get("/holder", { timeout: false }); // keeps the only permit for 5 s
    const queued = t.c.get("/queued").catch((e: unknown) => e);
    await t.clock.advance(5000);
    await holder;
    expect(isTimeoutError(await queued)).toBe(true);
    expect(t.sent).toEqual(["/holder"]);
    expect(t.breaker()?.state).toBe("closed");
  });
});
