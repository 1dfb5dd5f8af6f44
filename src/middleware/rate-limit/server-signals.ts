import type { ResponseHeaders } from "../../types.js";
import { retryAfterMs } from "../retry-after.js";

function first(headers: ResponseHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function number(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const t = text.trim();
  return /^\d+(\.\d+)?$/.test(t) ? Number(t) : undefined;
}

/** Epoch seconds are above this (2001); smaller reset values are delta seconds. */
const EPOCH_SECONDS = 1e9;
/** Epoch milliseconds are above this. */
const EPOCH_MS = 1e12;

/**
 * A reset value in ms from now. GitHub and Twitter send epoch seconds, most
 * others delta seconds; a few send epoch ms. An epoch is measured against the
 * response's `Date` header when present, so our clock's skew does not matter.
 */
function resetIn(value: number, headers: ResponseHeaders, now: number): number {
  if (value < EPOCH_SECONDS) return value * 1000;
  const at = value >= EPOCH_MS ? value : value * 1000;
  const date = first(headers, "date");
  const serverNow = date === undefined ? Number.NaN : Date.parse(date);
  // Date has whole seconds only: the reset is at most 1 s later than computed.
  return Number.isNaN(serverNow) ? at - now : at - serverNow + 1000;
}

/** `RateLimit: "default";r=0;t=30` (IETF draft 8+) or `RateLimit: limit=100, remaining=0, reset=30` (earlier drafts). */
function ietfCombined(value: string): number | undefined {
  let pause: number | undefined;
  for (const item of value.split(",")) {
    const remaining = /(?:^|;)\s*r=(\d+)/.exec(item)?.[1];
    const reset = /(?:^|;)\s*t=(\d+)/.exec(item)?.[1];
    if (remaining === "0" && reset !== undefined) pause = Math.max(pause ?? 0, Number(reset) * 1000);
  }
  if (pause !== undefined) return pause;
  const remaining = /remaining=(\d+)/.exec(value)?.[1];
  const reset = /reset=(\d+)/.exec(value)?.[1];
  return remaining === "0" && reset !== undefined ? Number(reset) * 1000 : undefined;
}

/**
 * How long, in ms, a response tells every client of this key to stop, or
 * undefined when it does not:
 * - 429 or 503 with `Retry-After` (seconds or HTTP-date) or `retry-after-ms`;
 * - `X-RateLimit-Remaining: 0` with `X-RateLimit-Reset` (epoch or delta seconds);
 * - IETF `RateLimit-Remaining: 0` + `RateLimit-Reset`, or `RateLimit` with `r=0;t=N`.
 * A 429 without any of these is left to the retry policy. `rejectionsOnly`
 * keeps just the first rule (429/503 + Retry-After).
 */
export function serverPauseMs(status: number, headers: ResponseHeaders, now: number, rejectionsOnly = false): number | undefined {
  let pause: number | undefined;
  const take = (ms: number | undefined) => {
    if (ms !== undefined && Number.isFinite(ms) && ms > 0) pause = Math.max(pause ?? 0, ms);
  };
  if (status === 429 || status === 503) take(retryAfterMs(headers, now));
  if (rejectionsOnly) return pause;
  for (const prefix of ["x-ratelimit-", "ratelimit-", "x-rate-limit-"]) {
    if (number(first(headers, `${prefix}remaining`)) !== 0) continue;
    const reset = number(first(headers, `${prefix}reset`));
    if (reset !== undefined) take(resetIn(reset, headers, now));
  }
  const combined = first(headers, "ratelimit");
  if (combined !== undefined) take(ietfCombined(combined));
  return pause;
}
