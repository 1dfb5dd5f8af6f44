import { describe, expect, it } from "vitest";
import { readServerQuota } from "../../src/middleware/rate-limit/server-signals.js";
import { serverPauseMs } from "../../src/middleware/rate-limit.js";

const NOW = Date.parse("2026-01-01T00:00:00Z");

describe("serverPauseMs: reading quota signals from responses", () => {
  it.each([
    ["429 + Retry-After seconds", 429, { "retry-after": "30" }, 30_000],
    ["503 + Retry-After seconds", 503, { "retry-after": "2" }, 2000],
    ["429 + Retry-After HTTP-date", 429, { "retry-after": new Date(NOW + 90_000).toUTCString() }, 90_000],
    ["429 + retry-after-ms", 429, { "retry-after-ms": "1500" }, 1500],
    ["X-RateLimit-Remaining 0 + reset in delta seconds", 200, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "12" }, 12_000],
    ["X-RateLimit-Remaining 0 + reset in epoch seconds (no Date)", 200, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(NOW / 1000 + 60) }, 60_000],
    ["X-RateLimit-Remaining 0 + reset in epoch ms", 200, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(NOW + 5000) }, 5000],
    ["GitHub 403 with remaining 0", 403, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(NOW / 1000 + 600) }, 600_000],
    ["IETF RateLimit-Remaining 0 + RateLimit-Reset", 200, { "ratelimit-remaining": "0", "ratelimit-reset": "7" }, 7000],
    ["IETF draft 8 RateLimit r=0;t=N", 200, { ratelimit: '"default";r=0;t=9', "ratelimit-policy": '"default";q=100;w=60' }, 9000],
    ["IETF draft 8, several policies, one exhausted", 200, { ratelimit: '"burst";r=4;t=1, "day";r=0;t=300' }, 300_000],
    ["older IETF combined form", 200, { ratelimit: "limit=100, remaining=0, reset=20" }, 20_000],
    [
      "IETF draft 8, nothing left and no reset: the named policy's window",
      200,
      { ratelimit: '"default";r=0', "ratelimit-policy": '"default";q=100;w=60' },
      60_000,
    ],
    [
      "older IETF, RateLimit-Remaining 0 and no reset: the window of RateLimit-Policy",
      200,
      { "ratelimit-policy": "100;w=60", "ratelimit-limit": "100", "ratelimit-remaining": "0" },
      60_000,
    ],
    ["IETF draft 7, the policy whose quota is the limit", 200, { ratelimit: "limit=10, remaining=0", "ratelimit-policy": "10;w=1, 1000;w=3600" }, 1000],
    ["the largest of several signals", 429, { "retry-after": "5", "x-ratelimit-remaining": "0", "x-ratelimit-reset": "40" }, 40_000],
  ])("%s", (_name, status, headers, expected) => {
    expect(serverPauseMs(status, headers, NOW)).toBe(expected);
  });

  it("measures an epoch reset against the response's Date header, not our clock", () => {
    const serverNow = NOW - 30_000; // our clock runs 30 s ahead of the server
    const headers = { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(serverNow / 1000 + 60), date: new Date(serverNow).toUTCString() };
    // 60 s, plus up to 1 s because Date has whole seconds
    expect(serverPauseMs(200, headers, NOW)).toBe(61_000);
  });

  it.each([
    ["a 200 with quota left", 200, { "x-ratelimit-remaining": "10", "x-ratelimit-reset": "30" }],
    ["remaining 0 without a reset", 200, { "x-ratelimit-remaining": "0" }],
    ["a 500 with Retry-After (not a quota signal)", 500, { "retry-after": "10" }],
    ["a 429 without any hint", 429, {}],
    ["a policy with quota left", 200, { ratelimit: '"default";r=3', "ratelimit-policy": '"default";q=100;w=60' }],
    [
      "nothing left of a policy RateLimit-Policy does not describe, and no reset",
      200,
      { ratelimit: '"other";r=0', "ratelimit-policy": '"default";q=100;w=60' },
    ],
    ["a reset already past", 200, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(NOW / 1000 - 5) }],
  ])("no pause for %s", (_name, status, headers) => {
    expect(serverPauseMs(status, headers as Record<string, string>, NOW)).toBeUndefined();
  });

  it("reads RateLimit-Policy: each policy with what RateLimit says is left of it; alone it describes the quota and pauses nothing", () => {
    const policy = '"burst";q=100;w=60, "daily";q=1000;w=86400';
    expect(serverPauseMs(200, { "ratelimit-policy": policy }, NOW)).toBeUndefined();
    expect(readServerQuota({ "ratelimit-policy": policy, ratelimit: '"daily";r=0;t=300' }, NOW)).toEqual([
      { policy: "burst", quota: 100, windowMs: 60_000, unit: "requests", remaining: undefined, resetAt: undefined },
      { policy: "daily", quota: 1000, windowMs: 86_400_000, unit: "requests", remaining: 0, resetAt: NOW + 300_000 },
    ]);
  });

  it("reads the older unnamed forms, matching a limit to the policy of that quota", () => {
    const headers = { "ratelimit-policy": "10;w=1, 1000;w=3600", "ratelimit-limit": "1000", "ratelimit-remaining": "998", "ratelimit-reset": "1800" };
    expect(readServerQuota(headers, NOW)).toEqual([
      { policy: undefined, quota: 10, windowMs: 1000, unit: "requests", remaining: undefined, resetAt: undefined },
      { policy: undefined, quota: 1000, windowMs: 3_600_000, unit: "requests", remaining: 998, resetAt: NOW + 1_800_000 },
    ]);
  });

  it("reads structured-field syntax: tokens, quoted names with commas, quota units, several field lines; drops malformed members", () => {
    const headers = { "ratelimit-policy": ['peruser;q=65535;qu="content-bytes";w=10;pk=:c2VjcmV0:, "a,b;c";q=5', "broken;;q, nameless;w=5"] };
    expect(readServerQuota(headers, NOW)).toEqual([
      { policy: "peruser", quota: 65_535, windowMs: 10_000, unit: "content-bytes", remaining: undefined, resetAt: undefined },
      { policy: "a,b;c", quota: 5, windowMs: undefined, unit: "requests", remaining: undefined, resetAt: undefined },
    ]);
  });

  it('rejectionsOnly ("learn: rejections") keeps only 429/503 + Retry-After', () => {
    expect(serverPauseMs(200, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "12" }, NOW, true)).toBeUndefined();
    expect(serverPauseMs(429, { "retry-after": "3" }, NOW, true)).toBe(3000);
  });
});
