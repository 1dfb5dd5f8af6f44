import type { ResponseHeaders } from "../../types.js";

/** The `X-RateLimit-*` fields under both spellings (names built once: they are read on every response). */
export const LEGACY_FIELDS: ReadonlyArray<{ remaining: string; reset: string; limit: string }> = ["x-ratelimit-", "x-rate-limit-"].map((p) => ({
  remaining: `${p}remaining`,
  reset: `${p}reset`,
  limit: `${p}limit`,
}));

/** The first value of a response header. */
export function first(headers: ResponseHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** A header value that is a plain non-negative number, else undefined. */
export function number(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const t = text.trim();
  return /^\d+(\.\d+)?$/.test(t) ? Number(t) : undefined;
}

/** Epoch seconds are above this (2001); smaller reset values are delta seconds. */
const EPOCH_SECONDS = 1e9;
/** Epoch milliseconds are above this. */
const EPOCH_MS = 1e12;

/**
 * How long after the second its `Date` names a response may still be read
 * with our clock taken as the server's: the answer spends time in transit and
 * in our event loop, and a busy server updates its cached `Date` late.
 */
const DATE_LAG_MS = 1000;

/**
 * A reset value in ms from now. GitHub and Twitter send epoch seconds, most
 * others delta seconds; a few send epoch ms. An epoch is an instant on the
 * server's clock: it is measured from our clock when that agrees with the
 * response's `Date` header (which has whole seconds, so the server's now lies
 * in `[Date, Date + 1 s)`, and the answer reaches us up to `DATE_LAG_MS`
 * later), else from `Date` itself (the longer pause), so a local clock behind
 * the server's does not stretch a pause by a second; one up to
 * `1 s + DATE_LAG_MS` ahead is taken as the server's and ends it that much
 * early (docs/rate-limiting.md says so). Without the lag, an
 * answer dated in the last ms of a window and read in the next one paused a
 * fixed-window key for a whole extra second.
 */
export function resetIn(value: number, headers: ResponseHeaders, now: number): number {
  if (deltaReset(value)) return value * 1000;
  const at = value >= EPOCH_MS ? value : value * 1000;
  const date = first(headers, "date");
  const serverDate = date === undefined ? Number.NaN : Date.parse(date);
  if (Number.isNaN(serverDate)) return at - now;
  const serverNow = now >= serverDate && now < serverDate + 1000 + DATE_LAG_MS ? now : serverDate;
  return at - serverNow;
}

/** True for a reset in delta seconds (`1`, `0.042`), as sliding windows send it; false for an epoch instant. */
export function deltaReset(value: number): boolean {
  return value < EPOCH_SECONDS;
}

/**
 * True for a reset in whole delta seconds (`1`, `30`): a rounded duration, so
 * the quota may be back up to a second sooner than it says. Fractional values
 * (`0.050`) and epochs (an instant, typically a window's end) are taken as exact.
 */
export function coarseReset(text: string | undefined, value: number): boolean {
  return deltaReset(value) && text !== undefined && !text.includes(".");
}
