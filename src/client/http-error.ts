import { describeRequest, HttpError, type ProblemDetails } from "../errors.js";
import type { ApiResponse, ResponseHeaders } from "../types.js";
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

const RETRYABLE = new Set([408, 429, 500, 502, 503, 504]);

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

function parseErrorBody(buf: Buffer, res: ApiResponse): unknown {
  if (buf.length === 0) return undefined;
  const text = buf.toString("utf8");
  if (isJsonType(contentTypeOf(res)) || text.startsWith("{") || text.startsWith("[")) {
    try {
      return JSON.parse(text);
    } catch {}
  }
  return text;
}

/** Builds the `HttpError` for a final non-2xx response whose body was read into `buf`. */
export function toHttpError(res: ApiResponse, buf: Buffer, requestIdHeaders: ReadonlyArray<string>): HttpError {
  const body = parseErrorBody(buf, res);
  const ct = contentTypeOf(res);
  const problem = ct?.startsWith("application/problem+json") && typeof body === "object" && body !== null ? (body as ProblemDetails) : undefined;
  return new HttpError({
    request: describeRequest(res.request),
    status: res.status,
    headers: res.headers,
    body,
    attempts: res.attempts,
    retryable: RETRYABLE.has(res.status),
    retryAt: res.retryAt,
    requestId: requestIdOf(res.headers, requestIdHeaders),
    problem,
  });
}
