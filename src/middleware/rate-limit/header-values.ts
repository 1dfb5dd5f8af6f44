import type { ResponseHeaders } from "../../types.js";

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
 * others delta seconds; a few send epoch ms. An epoch is measured against the
 * response's `Date` header when present, so our clock's skew does not matter.
 */
export function resetIn(value: number, headers: ResponseHeaders, now: number): number {
  if (value < EPOCH_SECONDS) return value * 1000;
  const at = value >= EPOCH_MS ? value : value * 1000;
  const date = first(headers, "date");
  const serverNow = date === undefined ? Number.NaN : Date.parse(date);
  // Date has whole seconds only: the reset is at most 1 s later than computed.
  return Number.isNaN(serverNow) ? at - now : at - serverNow + 1000;
}
