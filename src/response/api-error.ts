import { ERROR_DETAIL_FIELDS, redactFields } from "../redact.js";
import type { ApiErrorInfo, ApiErrorReader, ResponseHeaders } from "../types.js";
import { excerpt } from "./parse.js";

type Obj = Record<string, unknown>;

const isObject = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const text = (v: unknown): string | undefined => (typeof v === "string" && v.trim() !== "" ? v : undefined);
const codeOf = (v: unknown): string | undefined => (typeof v === "number" && Number.isFinite(v) ? String(v) : text(v));

function info(code: string | undefined, message: string | undefined, details?: Obj): ApiErrorInfo | undefined {
  if (code === undefined && message === undefined) return undefined;
  const out: ApiErrorInfo = {};
  if (code !== undefined) out.code = code;
  if (message !== undefined) out.message = message;
  if (details !== undefined && Object.keys(details).length > 0) out.details = details;
  return out;
}

function pick(o: Obj, keys: ReadonlyArray<string>): Obj {
  const out: Obj = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

/** RFC 9457 problem details: `{ type, title, status, detail }`. */
function problem(body: Obj, contentType: string): ApiErrorInfo | undefined {
  if (!contentType.startsWith("application/problem+json")) return undefined;
  const code = codeOf(body.code) ?? codeOf(body.error_code);
  const { type: _t, title: _ti, status: _s, detail: _d, code: _c, ...extensions } = body;
  const title = text(body.title);
  const detail = text(body.detail);
  const message = title !== undefined && detail !== undefined && !detail.includes(title) ? `${title}: ${detail}` : (detail ?? title);
  return info(code, message, { ...pick(body, ["type", "title", "instance"]), ...extensions });
}

/** `{ error: { message, code, type, param } }` (Stripe, OpenAI, Anthropic, Google). */
function nestedError(body: Obj): ApiErrorInfo | undefined {
  const e = body.error;
  if (!isObject(e)) return undefined;
  const { message, code, type, status: _s, ...rest } = e;
  return info(codeOf(code) ?? text(type) ?? codeOf(e.status), text(message), { ...(type !== undefined && { type }), ...rest });
}

/** `{ ok: false, error: "invalid_auth" }` (Slack). */
function slack(body: Obj): ApiErrorInfo | undefined {
  if (body.ok !== false) return undefined;
  const code = text(body.error);
  return info(code, code, pick(body, ["warning", "response_metadata", "needed", "provided"]));
}

/** `{ error: "invalid_grant", error_description }` (OAuth 2, RFC 6749 §5.2). */
function oauth(body: Obj): ApiErrorInfo | undefined {
  const code = text(body.error);
  if (code === undefined) return undefined;
  return info(code, text(body.error_description) ?? text(body.message) ?? code, pick(body, ["error_uri"]));
}

/** `{ errors: [{ message, field }] }` (SendGrid) and JSON:API `{ errors: [{ status, code, title, detail }] }`. */
function errorList(body: Obj): ApiErrorInfo | undefined {
  const list = body.errors;
  if (!Array.isArray(list) || list.length === 0) return undefined;
  const messages: string[] = [];
  let code: string | undefined;
  for (const e of list) {
    if (typeof e === "string") messages.push(e);
    if (!isObject(e)) continue;
    code ??= codeOf(e.code) ?? text(e.error_code);
    const m = text(e.message) ?? text(e.detail) ?? text(e.title);
    if (m === undefined) continue;
    const field = text(e.field) ?? text((e.source as Obj | undefined)?.pointer);
    messages.push(field !== undefined && !m.includes(field) ? `${field}: ${m}` : m);
  }
  const top = text(body.message);
  const message = top ?? (messages.length > 0 ? messages.join("; ") : undefined);
  return info(code ?? codeOf(body.code), message, { errors: list, ...pick(body, ["documentation_url", "id"]) });
}

/** `{ code, message, more_info }` (Twilio), `{ message, documentation_url }` (GitHub), and plain `{ message }` / `{ detail }`. */
function flat(body: Obj): ApiErrorInfo | undefined {
  const message = text(body.message) ?? text(body.error_message) ?? text(body.detail) ?? text(body.title) ?? text(body.msg);
  const code = codeOf(body.code) ?? codeOf(body.error_code) ?? text(body.type);
  return info(code, message, pick(body, ["more_info", "documentation_url", "status", "type"]));
}

/** A short plain-text body (`Not Found`, `Bad Gateway`): its first line. HTML pages are not messages. */
function plainText(body: string, contentType: string): ApiErrorInfo | undefined {
  if (contentType !== "" && !contentType.startsWith("text/plain")) return undefined;
  const line = body.trim().split(/\r?\n/, 1)[0] ?? "";
  if (line === "" || line.startsWith("<")) return undefined;
  return info(undefined, line);
}

/** Reads the API's own error code, message and details from the common error body shapes. */
export const readApiError: ApiErrorReader = (body, response) => {
  const contentType = (response.headers["content-type"] ?? "").toLowerCase();
  if (typeof body === "string") return plainText(body, contentType);
  if (!isObject(body)) return undefined;
  return (
    problem(body, contentType) ??
    nestedError(body) ??
    slack(body) ??
    (text(body.error) !== undefined ? oauth(body) : undefined) ??
    errorList(body) ??
    flat(body)
  );
};

/** Headers as one string per name, for an `apiError` reader. */
export function flatHeaders(headers: ResponseHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name in headers) {
    const v = headers[name];
    if (v !== undefined) out[name] = Array.isArray(v) ? v.join(", ") : v;
  }
  return out;
}

/** Well-known credential shapes an API may echo back in a message (keys, tokens). */
const CREDENTIAL =
  /\b(?:(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{6,}|gh[pousr]_[A-Za-z0-9]{16,}|github_pat_\w{16,}|xox[abposr]-[\w-]{8,}|SG\.[\w-]{8,}\.[\w-]{8,}|eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]*)|\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g;

/** The API's message as it may appear in an error message: one line, bounded, secrets replaced. */
export function safeApiText(value: string, max = 300): string {
  const oneLine = value.replace(/\s+/g, " ").trim();
  return excerpt(oneLine, max).replace(CREDENTIAL, (_m, scheme: string | undefined) => (scheme ? `${scheme} [REDACTED]` : "[REDACTED]"));
}

/**
 * What the API said: the client's own reader first (when it returns
 * something), else the built-in shapes; code and message made safe to show.
 */
export function apiErrorOf(body: unknown, status: number, headers: ResponseHeaders, own: ApiErrorReader | undefined): ApiErrorInfo {
  if (body === undefined) return {};
  const response = { status, headers: flatHeaders(headers) };
  let found: ApiErrorInfo | undefined;
  if (own !== undefined) {
    try {
      found = own(body, response);
    } catch {
      found = undefined; // a reader that fails must not hide the HTTP error
    }
  }
  found ??= readApiError(body, response);
  if (found === undefined) return {};
  const out: ApiErrorInfo = {};
  if (found.code !== undefined && found.code !== null) out.code = safeApiText(String(found.code), 100);
  if (typeof found.message === "string" && found.message.trim() !== "") out.message = safeApiText(found.message);
  if (isObject(found.details)) out.details = redactFields(found.details, undefined, ERROR_DETAIL_FIELDS) as Record<string, unknown>;
  return out;
}
