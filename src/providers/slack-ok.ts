import { Readable } from "node:stream";
import { describeRequest, HttpError } from "../errors.js";
import { apiErrorOf } from "../response/api-error.js";
import { readBody } from "../response/read-body.js";
import type { Middleware } from "../types.js";
import { isRecord, text } from "./fields.js";
import type { ApiErrorReader } from "./profile.js";

/** Slack answers `{ ok: false, error }` with HTTP 200 (and 429 for `ratelimited`): the code is `error`, details what comes with it. */
export const slackApiError: ApiErrorReader = (body) => {
  if (!isRecord(body) || body.ok !== false) return undefined;
  const code = text(body.error);
  const details: Record<string, unknown> = {};
  for (const key of ["needed", "provided", "warning", "response_metadata", "errors"]) if (body[key] !== undefined) details[key] = body[key];
  return { ...(code !== undefined && { code, message: code }), details };
};

/** Web API bodies are small; a larger one is passed through unread. */
const MAX_INSPECTED = 16 * 1024 * 1024;

/**
 * Turns Slack's `ok: false` inside a 2xx into an `HttpError` (status 200,
 * `apiCode` = the `error` string), so a failed call never looks like a
 * success. Other responses pass through with their body intact.
 */
export const slackOkFalse: Middleware = async function slackOkFalse(req, next) {
  const res = await next(req);
  const type = res.headers["content-type"];
  if (res.status < 200 || res.status >= 300 || res.body === null || !String(type ?? "").includes("json")) return res;
  if (Number(res.headers["content-length"]) > MAX_INSPECTED) return res;
  const bytes = await readBody(res, MAX_INSPECTED);
  let body: unknown;
  try {
    body = JSON.parse(bytes.toString("utf8"));
  } catch {
    body = undefined;
  }
  if (slackApiError(body, { status: res.status, headers: {} }) === undefined) return { ...res, body: Readable.from([bytes]) };
  // The same reading (and redaction) the client gives error bodies.
  const api = apiErrorOf(body, res.status, res.headers, slackApiError);
  const requestId = res.headers["x-slack-req-id"];
  throw new HttpError({
    request: describeRequest(res.request),
    status: res.status,
    headers: res.headers,
    body,
    attempts: res.attempts,
    retryable: false,
    requestId: Array.isArray(requestId) ? requestId[0] : requestId,
    apiCode: api.code,
    apiMessage: api.message,
    apiDetails: api.details,
  });
};
