import { describe, expect, it } from "vitest";
import { compose, isTrusted } from "../src/compose.js";
import { isConfigError } from "../src/errors.js";
import { apiKey, basic, bearer } from "../src/middleware/auth/auth.js";
import { cache } from "../src/middleware/cache/cache.js";
import { circuitBreaker } from "../src/middleware/circuit-breaker/circuit-breaker.js";
import { concurrency } from "../src/middleware/concurrency/concurrency.js";
import { dedupe } from "../src/middleware/dedupe/dedupe.js";
import { logging } from "../src/middleware/logging/logging.js";
import { rateLimit } from "../src/middleware/rate-limit/rate-limit.js";
import { redirects } from "../src/middleware/redirect/redirect.js";
import { retry } from "../src/middleware/retry/retry.js";
import { telemetry } from "../src/middleware/telemetry/telemetry.js";
import { timeout } from "../src/middleware/timeout/timeout.js";
import { tokenAuth } from "../src/oauth/middleware.js";
import { shopifyCallLimit } from "../src/providers/shopify.js";
import { slackTiers } from "../src/providers/slack-tiers.js";
import type { ApiRequest, ApiResponse, Middleware } from "../src/types.js";
import { apiRequest } from "./support/request.js";

const req = apiRequest("http://x.test/");
const ok = (r: ApiRequest): Promise<ApiResponse> => Promise.resolve({ status: 200, headers: {}, body: null, request: r, attempts: 1 });

describe("compose", () => {
  it("runs middleware outer to inner, then the end, and unwinds back", async () => {
    const order: string[] = [];
    const step =
      (n: string): Middleware =>
      async (r, next) => {
        order.push(`>${n}`);
        const res = await next({ ...r, headers: { ...r.headers, [n]: "1" } });
        order.push(`<${n}`);
        return res;
      };
    const res = await compose([step("a"), step("b")], ok)(req);
    expect(order).toEqual([">a", ">b", "<b", "<a"]);
    expect(res.request.headers).toEqual({ a: "1", b: "1" });
  });

  it("rejects a step that calls next() while its previous call is pending", async () => {
    const twice: Middleware = function twice(r, next) {
      void next(r);
      return next(r);
    };
    await expect(compose([twice], ok)(req)).rejects.toThrow(/"twice" called next\(\) while a previous call was still pending/);
  });

  it("allows sequential calls to next() (a retry)", async () => {
    let n = 0;
    const again: Middleware = async (r, next) => {
      await next(r);
      return next(r);
    };
    await compose([again], (r) => {
      n++;
      return ok(r);
    })(req);
    expect(n).toBe(2);
  });

  it("refuses a step that is not a function", () => {
    let caught: unknown;
    try {
      compose([42 as unknown as Middleware], ok);
    } catch (e) {
      caught = e;
    }
    expect(isConfigError(caught)).toBe(true);
  });

  // Marked middleware is linked without the guard above; every one ballast ships is marked, so none pays for it.
  it.each<[string, () => Middleware]>([
    ["bearer", () => bearer("t")],
    ["bearer with a secret function", () => bearer(() => "t")],
    ["apiKey", () => apiKey({ header: "x-api-key", value: "k" })],
    ["basic", () => basic({ username: "u", password: "p" })],
    ["OAuth token auth", () => tokenAuth(async () => ({ accessToken: "a", tokenType: "Bearer" }) as never)],
    ["retry", () => retry()],
    ["timeout", () => timeout("1s")],
    ["rateLimit", () => rateLimit({ limits: [{ requests: 1, per: "1s" }] })],
    ["circuitBreaker", () => circuitBreaker()],
    ["concurrency", () => concurrency(2)],
    ["cache", () => cache()],
    ["dedupe", () => dedupe()],
    ["logging", () => logging({ logger: console })],
    ["telemetry", () => telemetry()],
    ["redirects", () => redirects("follow")],
    ["slackTiers", () => slackTiers()],
    ["shopifyCallLimit", () => shopifyCallLimit()],
  ])("links ballast's own %s without the guard; user middleware always gets it", (_name, make) => {
    expect(isTrusted(make())).toBe(true);
    expect(isTrusted((r, next) => next(r))).toBe(false);
  });
});
