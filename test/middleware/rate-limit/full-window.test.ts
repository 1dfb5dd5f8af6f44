/**
 * The full-window guard: once a sliding window says it is full at a quota
 * equal to one of our limits, a request waits until one window after the
 * response to the request a quota before it came back.
 */
import { describe, expect, it } from "vitest";
import { fullWindowGuard } from "../../../src/middleware/rate-limit/full-window.js";

const WINDOW = 1000;
const QUOTA = 3;
const full = (reset: string) => ({ "x-ratelimit-limit": String(QUOTA), "x-ratelimit-remaining": "0", "x-ratelimit-reset": reset });
const left = { "x-ratelimit-limit": String(QUOTA), "x-ratelimit-remaining": "2", "x-ratelimit-reset": "1" };

/** A guard for one limit of QUOTA per WINDOW that has sent and settled `receipts.length` requests, answered at those times. */
function guardAfter(receipts: number[], lastHeaders: Record<string, string>) {
  const guard = fullWindowGuard((quota) => (quota === QUOTA ? WINDOW : undefined), QUOTA);
  receipts.forEach((at, i) => {
    guard.sent("k");
    guard.settled("k", true, i === receipts.length - 1 ? lastHeaders : left, at);
  });
  return guard;
}

describe("fullWindowGuard", () => {
  it.each([
    ["in whole seconds", "1"],
    ["to the millisecond (the answer to the request just before may come back too late to pause)", "0.412"],
  ])("holds a request until a window after the answer to the one a quota before, once the window says it is full with a reset %s", (_name, reset) => {
    const guard = guardAfter([100, 150, 200], full(reset));
    // the request a quota before the next one was answered at 100: it may arrive from 1100 on (+1 ms for whole-ms clocks)
    expect(guard.holdMs("k", 600)).toBe(501);
    expect(guard.holdMs("k", 1101)).toBe(0);
  });

  it("counts requests still in flight as the newest of the last quota", () => {
    const guard = guardAfter([100, 150, 200], full("1"));
    guard.sent("k"); // answered later: the next request is the quota-th after the one answered at 150
    expect(guard.holdMs("k", 600)).toBe(551);
  });

  it.each([
    ["the window has room", left],
    ["the reset is an epoch instant (a fixed window: its pause ends it for everyone)", full(String(Math.floor(Date.now() / 1000) + 1))],
    ["the server's quota is not one of our limits", { ...full("1"), "x-ratelimit-limit": "5" }],
    ["no reset", { "x-ratelimit-limit": String(QUOTA), "x-ratelimit-remaining": "0" }],
  ])("holds nothing when %s", (_name, headers) => {
    expect(guardAfter([100, 150, 200], headers).holdMs("k", 600)).toBe(0);
  });

  it("keeps keys apart", () => {
    const guard = guardAfter([100, 150, 200], full("1"));
    expect(guard.holdMs("other", 600)).toBe(0);
  });
});
