import { describe, expect, it } from "vitest";
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
    ["RateLimit-Policy alone", 200, { "ratelimit-policy": '"default";q=100;w=60' }],
    ["a reset already past", 200, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(NOW / 1000 - 5) }],
  ])("no pause for %s", (_name, status, headers) => {
    expect(serverPauseMs(status, headers as Record<string, string>, NOW)).toBeUndefined();
  });

  it('rejectionsOnly ("learn: rejections") keeps only 429/503 + Retry-After', () => {
    expect(serverPauseMs(200, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "12" }, NOW, true)).toBeUndefined();
    expect(serverPauseMs(429, { "retry-after": "3" }, NOW, true)).toBe(3000);
  });
});
