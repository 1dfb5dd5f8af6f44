import type { ResponseHeaders } from "../../types.js";
import { retryAfterMs } from "../retry-after.js";
import { first, number, resetIn } from "./header-values.js";
import { joinQuota, readIetfFields, type ServerQuota, spentFor } from "./ietf-quota.js";

/** The IETF rate-limit fields of one response, each limit with its policy. */
export function readServerQuota(headers: ResponseHeaders, now: number): ServerQuota[] {
  const fields = readIetfFields(headers, now);
  return fields.limits === undefined && fields.policies === undefined ? [] : joinQuota(fields.policies ?? [], fields.limits ?? []);
}

/**
 * How long, in ms, a response tells every client of this key to stop, or
 * undefined when it does not:
 * - 429 or 503 with `Retry-After` (seconds or HTTP-date) or `retry-after-ms`;
 * - `X-RateLimit-Remaining: 0` with `X-RateLimit-Reset` (epoch or delta seconds);
 * - the IETF fields: a policy with nothing left (`RateLimit: "default";r=0;t=N`,
 *   `RateLimit: limit=100, remaining=0, reset=N`, `RateLimit-Remaining: 0` +
 *   `RateLimit-Reset`) until its reset, or when no reset is given, for the
 *   window its `RateLimit-Policy` names (`"default";q=100;w=60`, `100;w=60`).
 * A 429 without any of these is left to the retry policy. `rejectionsOnly`
 * keeps just the first rule (429/503 + Retry-After). `quota` is the response's
 * IETF fields read by `readServerQuota` (the middleware passes policies it
 * remembers from earlier responses too).
 */
export function serverPauseMs(
  status: number,
  headers: ResponseHeaders,
  now: number,
  rejectionsOnly = false,
  quota: ReadonlyArray<ServerQuota> = readServerQuota(headers, now),
): number | undefined {
  let pause: number | undefined;
  const take = (ms: number | undefined) => {
    if (ms !== undefined && Number.isFinite(ms) && ms > 0) pause = Math.max(pause ?? 0, ms);
  };
  if (status === 429 || status === 503) take(retryAfterMs(headers, now));
  if (rejectionsOnly) return pause;
  for (const prefix of ["x-ratelimit-", "x-rate-limit-"]) {
    if (number(first(headers, `${prefix}remaining`)) !== 0) continue;
    const reset = number(first(headers, `${prefix}reset`));
    if (reset !== undefined) take(resetIn(reset, headers, now));
  }
  take(spentFor(quota, now));
  return pause;
}
