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
 * A reset value in ms from now. GitHub and Twitter send epoch seconds, most
 * others delta seconds; a few send epoch ms. An epoch is an instant on the
 * server's clock: it is measured from our clock when that agrees with the
 * response's `Date` header (which has whole seconds, so the server's now lies
 * in `[Date, Date + 1 s)`), else from `Date` itself (the longer pause), so a
 * skewed local clock neither shortens a pause nor stretches it by a second.
 */
export function resetIn(value: number, headers: ResponseHeaders, now: number): number {
  if (value < EPOCH_SECONDS) return value * 1000;
  const at = value >= EPOCH_MS ? value : value * 1000;
  const date = first(headers, "date");
  const serverDate = date === undefined ? Number.NaN : Date.parse(date);
  if (Number.isNaN(serverDate)) return at - now;
  const serverNow = now >= serverDate && now < serverDate + 1000 ? now : serverDate;
  return at - serverNow;
}

/**
 * True for a reset in whole delta seconds (`1`, `30`): a rounded duration, so
 * the quota may be back up to a second sooner than it says. Fractional values
 * (`0.050`) and epochs (an instant, typically a window's end) are taken as exact.
 */
export function coarseReset(text: string | undefined, value: number): boolean {
  return value < EPOCH_SECONDS && text !== undefined && !text.includes(".");
}
