import type { ResponseHeaders } from "../types.js";

function first(headers: ResponseHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * How long the server asked us to wait, in ms, or undefined when it did not
 * say: `retry-after-ms` (OpenAI, Anthropic), then `Retry-After` as seconds or
 * an HTTP-date (RFC 9110 §10.2.3).
 */
export function retryAfterMs(headers: ResponseHeaders, now: number): number | undefined {
  const ms = first(headers, "retry-after-ms");
  if (ms !== undefined && /^\d+(\.\d+)?$/.test(ms.trim())) return Number(ms);
  const ra = first(headers, "retry-after");
  if (ra === undefined) return undefined;
  const text = ra.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
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
