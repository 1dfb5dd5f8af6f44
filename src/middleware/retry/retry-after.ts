import type { ResponseHeaders } from "../../types.js";

function first(headers: ResponseHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** An HTTP-date (RFC 9110 §5.6.7): IMF-fixdate, the obsolete RFC 850 form, or asctime. */
const HTTP_DATE =
  /^(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT|(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), \d{2}-(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)-\d{2} \d{2}:\d{2}:\d{2} GMT|(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \d]\d \d{2}:\d{2}:\d{2} \d{4})$/;

/**
 * How long the server asked us to wait, in ms, or undefined when it did not
 * say — or said something unusable: `retry-after-ms` (OpenAI, Anthropic),
 * then `Retry-After` as delay-seconds or an HTTP-date (RFC 9110 §10.2.3).
 * Negative numbers, garbage (`5 6`) and dates in the past are ignored, so the
 * caller falls back to its backoff instead of retrying at once.
 */
export function retryAfterMs(headers: ResponseHeaders, now: number): number | undefined {
  const ms = first(headers, "retry-after-ms");
  if (ms !== undefined && /^\d+(\.\d+)?$/.test(ms.trim())) return Number(ms);
  const ra = first(headers, "retry-after");
  if (ra === undefined) return undefined;
  const text = ra.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  if (!HTTP_DATE.test(text)) return undefined;
  const wait = Date.parse(text) - now;
  return wait > 0 ? wait : undefined;
}

/**
 * The wait until `x-ratelimit-reset` (epoch seconds) when `x-ratelimit-remaining`
 * is 0 — GitHub's way of saying a limit was hit — else undefined.
 */
export function rateLimitResetMs(headers: ResponseHeaders, now: number): number | undefined {
  if (first(headers, "x-ratelimit-remaining")?.trim() !== "0") return undefined;
  const reset = first(headers, "x-ratelimit-reset")?.trim();
  if (reset === undefined || !/^\d+$/.test(reset)) return undefined;
  const wait = Number(reset) * 1000 - now;
  return wait > 0 ? wait : undefined;
}

/** `true`/`false` from a should-retry header (`Stripe-Should-Retry`, `x-should-retry`), else undefined. */
export function shouldRetryHeader(headers: ResponseHeaders, names: ReadonlyArray<string>): boolean | undefined {
  for (const n of names) {
    const v = first(headers, n)?.trim().toLowerCase();
    if (v === "true") return true;
    if (v === "false") return false;
  }
  return undefined;
}
