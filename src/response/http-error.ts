import { describeRequest, HttpError, type ProblemDetails } from "../errors.js";
import type { ApiErrorReader, ApiResponse, ResponseHeaders } from "../types.js";
import { apiErrorOf } from "./api-error.js";
import { contentTypeOf, isJsonType } from "./parse.js";

/** Headers APIs use for the id of a request, in the order they are looked for. */
export const DEFAULT_REQUEST_ID_HEADERS: ReadonlyArray<string> = [
  "x-request-id",
  "request-id",
  "x-github-request-id",
  "twilio-request-id",
  "x-amzn-requestid",
  "x-shopify-request-id",
  "x-slack-req-id",
  "x-message-id",
  "cf-ray",
];

/** The statuses retried by default (see `retry`); also what `HttpError.retryable` says without a retry policy. */
export const RETRYABLE_STATUSES: ReadonlyArray<number> = [408, 429, 500, 502, 503, 504];
const RETRYABLE = new Set(RETRYABLE_STATUSES);

function header(headers: ResponseHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export function requestIdOf(headers: ResponseHeaders, names: ReadonlyArray<string>): string | undefined {
  for (const n of names) {
    const v = header(headers, n);
    if (v) return v;
  }
  return undefined;
}

/** Parses an error body: JSON when it parses, else text; undefined when empty. */
export function parseErrorBody(buf: Buffer, res: ApiResponse): unknown {
  if (buf.length === 0) return undefined;
  const text = buf.toString("utf8");
  if (isJsonType(contentTypeOf(res)) || text.startsWith("{") || text.startsWith("[")) {
    try {
      return JSON.parse(text);
    } catch {}
  }
  return text;
}

export interface HttpErrorContext {
  requestIdHeaders: ReadonlyArray<string>;
  apiError?: ApiErrorReader | undefined;
}

/** What the client did that the status alone does not say: a redirect it did not follow, a retry it refused. */
function noteOf(res: ApiResponse): string | undefined {
  if (res.status >= 300 && res.status < 400) {
    const location = header(res.headers, "location");
    return location === undefined ? "redirect without a location" : "redirect not followed";
  }
  return res.notRetried === undefined ? undefined : `not retried: ${res.notRetried}`;
}

/** Builds the `HttpError` for a final non-2xx response whose error body was parsed into `body`. */
export function toHttpError(res: ApiResponse, body: unknown, ctx: HttpErrorContext): HttpError {
  const ct = contentTypeOf(res);
  const problem = ct?.startsWith("application/problem+json") && typeof body === "object" && body !== null ? (body as ProblemDetails) : undefined;
  const api = apiErrorOf(body, res.status, res.headers, ctx.apiError);
  return new HttpError({
    request: describeRequest(res.request),
    status: res.status,
    headers: res.headers,
    body,
    attempts: res.attempts,
    retryable: res.retryable ?? RETRYABLE.has(res.status),
    retryAt: res.retryAt,
    requestId: requestIdOf(res.headers, ctx.requestIdHeaders),
    problem,
    apiCode: api.code,
    apiMessage: api.message,
    note: noteOf(res),
    apiDetails: api.details,
    location: res.status >= 300 && res.status < 400 ? header(res.headers, "location") : undefined,
  });
}
