/** rateLimit over real sockets against the API simulator (real time: assertions are counts). */
import { afterEach, describe, expect, it } from "vitest";
import { compose } from "../../../src/compose.js";
import { isRateLimitError, type RateLimitError } from "../../../src/errors.js";
import { type RateLimitOptions, rateLimit } from "../../../src/middleware/rate-limit/rate-limit.js";
import { type ApiSimulator, createApiSimulator } from "../../../src/testing/index.js";
import { undiciTransport } from "../../../src/transport/undici.js";
import { apiRequest } from "../../support/request.js";

describe("rateLimit against the simulator", () => {
  let sim: ApiSimulator;
  const transport = undiciTransport();
  afterEach(async () => {
    await sim?.close();
  });

  const pipeline = (options: RateLimitOptions) => {
    const policy = rateLimit(options);
    const send = compose([policy], transport.send);
    return {
      policy,
      async get(path: string) {
        const req = apiRequest(sim.url + path);
        const res = await send(req);
        res.body?.resume();
        return res;
      },
    };
  };

  it("evenly spaced requests at the server's own limit are never rejected", async () => {
    sim = await createApiSimulator();
    sim.route("GET", "/x", {});
    // a sliding log of 10 per 500 ms, plus one request of allowance for arrival jitter (new connections, scheduling)
    sim.rateLimit({ requests: 11, per: 500, headers: "none" });
    const { get } = pipeline({ limits: [{ requests: 10, per: 500 }] });
    const statuses = await Promise.all(Array.from({ length: 25 }, () => get("/x").then((r) => r.status)));
    expect(statuses.filter((s) => s === 200)).toHaveLength(25);
    expect(sim.rejected).toBe(0);
  });

  it("learns GitHub's X-RateLimit-Remaining: 0 + epoch reset and stops before the server has to refuse", async () => {
    sim = await createApiSimulator();
    sim.route("GET", "/repos", {});
    sim.rateLimit({ requests: 3, per: "1h", headers: "github" });
    const { get, policy } = pipeline({ limits: [{ requests: 100, per: "1s", burst: 100 }], maxWait: "5s" });
    for (let i = 0; i < 3; i++) expect((await get("/repos")).status).toBe(200);
    const err = (await get("/repos").catch((e: unknown) => e)) as RateLimitError;
    expect(isRateLimitError(err)).toBe(true);
    expect(err.retryAt).toBeGreaterThan(Date.now() + 3_000_000);
    expect(sim.requests).toHaveLength(3);
    expect(sim.rejected).toBe(0);
    expect(Object.values(policy.stats().keys)[0]?.pausedUntil).toBeGreaterThan(Date.now());
  });

  it("a 429 with Retry-After pauses the key, and the 429 itself reaches the caller", async () => {
    sim = await createApiSimulator();
    sim.route("GET", "/x", {});
    sim.rateLimit({ requests: 2, per: "10s", retryAfter: 7, headers: "none" });
    const { get } = pipeline({ limits: [{ requests: 100, per: "1s", burst: 100 }], maxWait: "1s" });
    await get("/x");
    await get("/x");
    // our limiter knows nothing of the server's 2 per 10 s: the third goes and is refused
    expect((await get("/x")).status).toBe(429);
    const err = (await get("/x").catch((e: unknown) => e)) as RateLimitError;
    expect(isRateLimitError(err)).toBe(true);
    expect(err.retryAt).toBeGreaterThan(Date.now() + 6000);
    expect(sim.requests).toHaveLength(3);
  });
});
