import { trusted } from "../compose.js";
import type { ApiResponse, Middleware, ResponseReading } from "../types.js";
import { BufferedBody, isBuffered } from "./buffered-body.js";
import { parseErrorBody, toHttpError } from "./http-error.js";
import { decodeBody } from "./parse.js";
import { discardBody, readBody } from "./read-body.js";

const EMPTY = Buffer.alloc(0);

/** A status the call fails with: 4xx/5xx, and a 3xx unless redirects are handed back as they are. */
export function failsCall(status: number, redirect: ResponseReading["redirect"]): boolean {
  return status >= 400 || (status >= 300 && status !== 304 && redirect !== "manual");
}

const bodiless = (res: ApiResponse) => res.request.method === "HEAD" || res.status === 204 || res.status === 304;

/**
 * Reads and parses the body of one attempt's response as `read` says: an
 * error or redirect body up to `errorBytes` (a failure reading it is not
 * the call's failure: its status is), a successful one up to `maxBytes`,
 * decoded by `type`; a "stream" body is left to the caller. A reset, a body
 * cut short or a stall fails the attempt, so retry sees it like any other
 * failed attempt.
 */
export async function readInAttempt(res: ApiResponse, read: ResponseReading): Promise<ApiResponse> {
  if (res.body === null || isBuffered(res.body)) return res;
  if (res.status >= 300 && res.status !== 304) {
    const buf = await readBody(res, read.errorBytes).catch(() => EMPTY);
    return { ...res, body: new BufferedBody(buf, parseErrorBody(buf, res)) };
  }
  if (read.type === "stream") return res;
  if (bodiless(res)) {
    discardBody(res.body);
    return { ...res, body: null };
  }
  const buf = await readBody(res, read.maxBytes);
  return { ...res, body: new BufferedBody(buf, decodeBody(buf, res, read.type)) };
}

/** The innermost step of an attempt: applies `req.read` to the response (requests without it pass untouched). */
export const readResponse: Middleware = trusted(function readResponse(req, next) {
  const read = req.read;
  if (read === undefined) return next(req);
  return next(req).then((res) => readInAttempt(res, read));
});

/**
 * Finishes a call's final response: the status check (`HttpError` with the
 * API's own code and message), then the body as `read` says — taken from the
 * attempt that already read it, or read here when something in between (a
 * cache hit, a shared in-flight call) handed back a fresh stream. Resolves to
 * the decoded body, or the stream for `type: "stream"`.
 */
export async function finishResponse(res: ApiResponse, read: ResponseReading): Promise<unknown> {
  return finishedData(res, read);
}

/**
 * `finishResponse` without a promise when there is nothing left to read (the
 * common case: the attempt read and decoded the body): the data, or a
 * synchronous throw of the `HttpError`; a promise only when a body is still to be read.
 */
export function finishedData(res: ApiResponse, read: ResponseReading): unknown {
  const body = res.body;
  if (failsCall(res.status, read.redirect)) {
    if (isBuffered(body) || body === null) throw toHttpError(res, body?.data, read);
    return readBody(res, read.errorBytes)
      .catch(() => EMPTY)
      .then((buf) => {
        throw toHttpError(res, parseErrorBody(buf, res), read);
      });
  }
  if (isBuffered(body)) return body.data;
  const type = read.type;
  if (type === "stream") return body;
  if (body === null) return undefined;
  if (bodiless(res)) {
    discardBody(body);
    return undefined;
  }
  return readBody(res, read.maxBytes).then((buf) => decodeBody(buf, res, type));
}
