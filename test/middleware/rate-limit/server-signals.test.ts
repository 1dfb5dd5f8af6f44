import { describe, expect, it } from "vitest";
import { serverPauseMs } from "../../../src/middleware/rate-limit/rate-limit.js";
import { readServerQuota } from "../../../src/middleware/rate-limit/server-signals.js";

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

  it("measures an epoch reset against the response's Date header when our clock disagrees with it", () => {
    const serverNow = NOW - 30_000; // our clock runs 30 s ahead of the server
    const headers = { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(serverNow / 1000 + 60), date: new Date(serverNow).toUTCString() };
    expect(serverPauseMs(200, headers, NOW)).toBe(60_000);
  });

  it("measures an epoch reset against our clock when it lies within the second Date names: no whole second added", () => {
    // Date has whole seconds: the server's now is in [NOW, NOW + 1 s); ours is NOW + 950, the window ends at NOW + 1 s
    const headers = { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(NOW / 1000 + 1), date: new Date(NOW).toUTCString() };
    expect(serverPauseMs(200, headers, NOW + 950)).toBe(50);
  });

  it.each([
    ["reaches us just after the second Date names (in transit across the boundary)", 3],
    ["was dated by a server whose Date lags its clock (a busy event loop updates it late)", 400],
  ])("measures an epoch reset against our clock when the response %s: no whole second added", (_name, lateMs) => {
    // The 20th request of the window [NOW - 1 s, NOW) arrived just before NOW; the window is over when we read the answer.
    const headers = { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(NOW / 1000), date: new Date(NOW - 1000).toUTCString() };
    expect(serverPauseMs(200, headers, NOW + lateMs)).toBeUndefined();
    // and a window still running is measured to its end, not from the start of the second Date names
    const running = { ...headers, "x-ratelimit-reset": String(NOW / 1000 + 1) };
    expect(serverPauseMs(200, running, NOW + lateMs)).toBe(1000 - lateMs);
  });

  it.each([
    ["GitHub secondary limit: 403 + Retry-After", 403, { "retry-after": "60" }, 60_000],
    ["GitHub secondary limit: 403 + remaining 0 + epoch reset", 403, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(NOW / 1000 + 30) }, 30_000],
  ])("%s pauses the key", (_name, status, headers, expected) => {
    expect(serverPauseMs(status, headers, NOW)).toBe(expected);
  });

  describe("a reset in whole delta seconds, when our own limits keep to the server's quota", () => {
    const paced = (limit: number | undefined) => limit !== undefined && limit >= 20;
    const spent = { "x-ratelimit-limit": "20", "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1" };

    it("pauses only until the earliest the quota can be back (the reset rounds up by up to a second)", () => {
      expect(serverPauseMs(200, spent, NOW, false, undefined, paced)).toBeUndefined();
      expect(serverPauseMs(200, { ...spent, "x-ratelimit-reset": "3" }, NOW, false, undefined, paced)).toBe(2000);
      expect(serverPauseMs(200, { ratelimit: '"default";r=0;t=2', "ratelimit-policy": '"default";q=20;w=1' }, NOW, false, undefined, paced)).toBe(1000);
    });

    it("pauses for the whole reset when our limits are looser than the server's, the reset is exact, or the server refused", () => {
      expect(serverPauseMs(200, { ...spent, "x-ratelimit-limit": "10" }, NOW, false, undefined, paced)).toBe(1000);
      expect(serverPauseMs(200, { ...spent, "x-ratelimit-reset": "0.050" }, NOW, false, undefined, paced)).toBe(50);
      expect(serverPauseMs(429, spent, NOW, false, undefined, paced)).toBe(1000);
    });
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
