import * as oauth from "oauth4webapi";
import { retryAfterMs } from "../middleware/retry/retry-after.js";
import type { ResponseHeaders } from "../types.js";

/** Statuses a token endpoint sends when it is briefly unable to answer (it did not issue anything). */
const TRANSIENT_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

/** Connection failures worth another try: refused, reset, closed or timed out before a response came. */
const TRANSIENT_ERRNOS: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EAI_AGAIN",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
  "UND_ERR_CONNECT_TIMEOUT",
]);

function headersOf(response: Response): ResponseHeaders {
  const out: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    out[name] = value;
  });
  return out;
}

function errnoOf(e: TypeError): string | undefined {
  let cause: unknown = e.cause;
  // undici wraps the socket error: TypeError("fetch failed") → SocketError / Error with a code.
  for (let i = 0; i < 3 && cause !== undefined && cause !== null; i++) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === "string") return code;
    cause = (cause as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Whether what a token endpoint request threw (oauth4webapi or fetch) is
 * transient — a 429/502/503/504 (with or without an OAuth error body, or
 * `temporarily_unavailable`), or a connection refused or reset before an
 * answer — and then how long the server asked to wait (`Retry-After`), if it
 * said. Undefined for everything else (`invalid_grant`, `invalid_client`, an
 * abort, a malformed answer): those are final.
 */
export function transientFailure(e: unknown, now: number): { waitMs: number | undefined } | undefined {
  let response: Response | undefined;
  if (e instanceof oauth.ResponseBodyError) {
    if (!TRANSIENT_STATUSES.has(e.status) && e.error !== "temporarily_unavailable") return undefined;
    response = e.response;
  } else if (e instanceof oauth.OperationProcessingError) {
    if (!(e.cause instanceof Response) || !TRANSIENT_STATUSES.has(e.cause.status)) return undefined;
    response = e.cause;
  } else if (e instanceof TypeError) {
    const errno = errnoOf(e);
    if (errno === undefined || !TRANSIENT_ERRNOS.has(errno)) return undefined;
  } else {
    return undefined;
  }
  return { waitMs: response === undefined ? undefined : retryAfterMs(headersOf(response), now) };
}
