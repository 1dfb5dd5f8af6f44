import type { ResponseHeaders } from "../../types.js";
import { retryAfterMs } from "../retry/retry-after.js";
import { coarseReset, first, LEGACY_FIELDS, number, resetIn } from "./header-values.js";
import { joinQuota, type PacedWithin, readIetfFields, type ServerQuota, spentFor } from "./ietf-quota.js";

/** The IETF rate-limit fields of one response, each limit with its policy. */
export function readServerQuota(headers: ResponseHeaders, now: number): ServerQuota[] {
  const fields = readIetfFields(headers, now);
  return fields.limits === undefined && fields.policies === undefined ? [] : joinQuota(fields.policies ?? [], fields.limits ?? []);
}

const notPaced: PacedWithin = () => false;

/**
 * How long, in ms, a response tells every client of this key to stop, or
 * undefined when it does not:
 * - 429 or 503 with `Retry-After` (seconds or HTTP-date) or `retry-after-ms`,
 *   and 403 with them (GitHub's secondary rate limits);
 * - `X-RateLimit-Remaining: 0` with `X-RateLimit-Reset` (epoch or delta seconds), any status;
 * - the IETF fields: a policy with nothing left (`RateLimit: "default";r=0;t=N`,
 *   `RateLimit: limit=100, remaining=0, reset=N`, `RateLimit-Remaining: 0` +
 *   `RateLimit-Reset`) until its reset, or when no reset is given, for the
 *   window its `RateLimit-Policy` names (`"default";q=100;w=60`, `100;w=60`).
 * A 429 without any of these is left to the retry policy. `rejectionsOnly`
 * keeps just the first rule. `quota` is the response's IETF fields read by
 * `readServerQuota` (the middleware passes policies it remembers from earlier
 * responses too).
 *
 * On a response the server accepted, a reset in whole delta seconds is an
 * upper bound (the quota may be back up to a second sooner): when `paced`
 * says this client's limits keep to the server's advertised quota, the pause
 * ends at the earliest the reset can be — the client's spacing does the rest,
 * where pausing a whole second at every "remaining: 0" of a sliding window
 * would halve the throughput. Rejections always pause for the whole reset.
 */
export function serverPauseMs(
  status: number,
  headers: ResponseHeaders,
  now: number,
  rejectionsOnly = false,
  quota: ReadonlyArray<ServerQuota> = readServerQuota(headers, now),
  paced: PacedWithin = notPaced,
): number | undefined {
  let pause: number | undefined;
  const take = (ms: number | undefined) => {
    if (ms !== undefined && Number.isFinite(ms) && ms > 0) pause = Math.max(pause ?? 0, ms);
  };
  if (status === 429 || status === 503 || status === 403) take(retryAfterMs(headers, now));
  if (rejectionsOnly) return pause;
  const accepted = status < 400;
  for (const names of LEGACY_FIELDS) {
    if (number(first(headers, names.remaining)) !== 0) continue;
    const text = first(headers, names.reset);
    const reset = number(text);
    if (reset === undefined) continue;
    const ms = resetIn(reset, headers, now);
    const limit = number(first(headers, names.limit));
    take(accepted && coarseReset(text, reset) && paced(limit, undefined) ? ms - 1000 : ms);
  }
  take(spentFor(quota, now, accepted ? paced : notPaced));
  return pause;
}
