import { randomUUID } from "node:crypto";
import { ConfigError } from "../errors.js";
import type { TimeoutOverride } from "../middleware/timeout/timeout.js";
import type { ApiRequest, RequestContext, ResponseReading } from "../types.js";
import { CALL_TIMING, newCallTiming } from "../util/call-timing.js";
import type { Duration } from "../util/duration.js";
import { durationOption, integerOption, shown } from "../util/options.js";
import { encodeBody } from "./body.js";
import { cookieHeader } from "./cookies.js";
import { checkCallRetryKeys, checkRequestKeys, checkTimeoutKeys, checkVerbKeys } from "./option-keys.js";
import type { CallOptions, CallRetryOptions, ClientConfig, RequestOptions } from "./options.js";
import type { PathParams } from "./path-params.js";
import { fillPath, joinPath, withQuery } from "./url.js";

/** Builds one call's request. Verb methods pass method and path apart, so no options object is copied per call. */
export type RequestBuilder = (o: CallOptions, verbMethod?: string, verbPath?: string) => ApiRequest;

const AUTO_KEY_METHODS = new Set(["POST", "PATCH"]);

/**
 * The request builder of a client: URL, query, body, headers, idempotency key,
 * per-call limits and how to read the response. `onTimeout` sees each per-call
 * `timeout` (the client warns about one that looks like seconds).
 */
export function requestBuilder(config: ClientConfig, onTimeout?: (timeout: unknown) => void): RequestBuilder {
  const baseHeaders = config.headers;
  const defaultRead: ResponseReading = {
    type: "auto",
    maxBytes: config.maxResponseBytes,
    errorBytes: Math.min(config.maxResponseBytes, 1 << 20),
    redirect: config.redirect,
    requestIdHeaders: config.requestIdHeaders,
    apiError: config.apiError,
  };

  /** How this call's response is read: the client's default unless the call changes type, limit or redirect mode. */
  function readingOf(o: CallOptions): ResponseReading {
    if (o.responseType === undefined && o.maxResponseBytes === undefined && o.redirect === undefined) return defaultRead;
    const maxBytes = integerOption(o.maxResponseBytes ?? config.maxResponseBytes, "maxResponseBytes");
    const redirect = o.redirect ?? config.redirect;
    if (redirect !== "follow" && redirect !== "error" && redirect !== "manual")
      throw new ConfigError("redirect", `must be "follow", "error" or "manual"; got ${redirect}`);
    return { ...defaultRead, type: o.responseType ?? "auto", maxBytes, errorBytes: Math.min(maxBytes, 1 << 20), redirect };
  }

  return function buildRequest(o, verbMethod, verbPath) {
    if (o === null || typeof o !== "object") throw new ConfigError("options", "must be an object");
    (verbMethod === undefined ? checkRequestKeys : checkVerbKeys)(o);
    const target = verbPath ?? (o as RequestOptions).path;
    if (typeof target !== "string") throw new ConfigError("path", "is required and must be a string");
    const method = verbMethod ?? ((o as RequestOptions).method ?? "GET").toUpperCase();
    let origin = config.origin;
    let path: string;
    let route = target;
    if (/^https?:\/\//i.test(target)) {
      const url = new URL(target);
      if (!config.allowedOrigins.has(url.origin))
        throw new ConfigError("path", `points at ${url.origin}, which is not the baseUrl origin nor in allowedOrigins`);
      if (o.params !== undefined) refuseParams(o.params, target);
      origin = url.origin;
      path = url.pathname + url.search;
      route = url.pathname;
    } else {
      path = joinPath(config.prefix, fillPath(target, o.params));
      const q = route.indexOf("?");
      if (q !== -1) route = route.slice(0, q);
    }
    path = withQuery(path, o.query, config.arrayFormat);
    const enc = encodeBody(o, config.formArrayFormat);

    let headers = baseHeaders;
    let idempotencyKey: string | undefined;
    let key = o.idempotencyKey;
    if (key === undefined && config.autoIdempotencyKey && AUTO_KEY_METHODS.has(method)) key = true;
    if (o.headers !== undefined || o.cookies !== undefined || enc.contentType !== undefined || (key !== undefined && key !== false)) {
      // Not { ...baseHeaders }: keys are added below, and adding keys to a spread copy is V8's slow path (util/copy.ts).
      headers = Object.assign({}, baseHeaders);
      if (enc.contentType !== undefined) headers["content-type"] = enc.contentType;
      if (o.headers !== undefined) {
        for (const name in o.headers) {
          const v = o.headers[name];
          const key = name.toLowerCase();
          if (v === undefined) delete headers[key];
          else if (typeof v !== "string" || /[\r\n]/.test(v)) throw new ConfigError(`headers.${name}`, "must be a string without CR or LF");
          else headers[key] = v;
        }
      }
      if (o.cookies !== undefined) {
        const cookie = cookieHeader(o.cookies, headers.cookie);
        if (cookie !== undefined) headers.cookie = cookie;
      }
      if (key !== undefined && key !== false) {
        idempotencyKey = key === true ? randomUUID() : key;
        if (typeof idempotencyKey !== "string" || idempotencyKey === "") throw new ConfigError("idempotencyKey", "must be true, false or a non-empty string");
        headers[config.idempotencyHeader] = idempotencyKey;
      }
    }
    // The timing record is written into the literal: adding a key to a spread copy afterwards is V8's slow path (see util/copy.ts).
    const context: RequestContext = { [CALL_TIMING]: newCallTiming(), ...o.context };
    if (o.timeout !== undefined) {
      context.timeout = callTimeout(o.timeout);
      onTimeout?.(o.timeout);
    }
    if (o.retry !== undefined) context.retry = checkCallRetry(o.retry);
    const read = readingOf(o);
    if (read.redirect !== config.redirect) context.redirect = read.redirect;
    return {
      method,
      origin,
      path,
      route,
      headers,
      body: enc.body,
      replayable: enc.replayable,
      signal: o.signal,
      idempotencyKey,
      attempt: 1,
      deadline: undefined,
      // Present from the start, so the attempt timer's copy that sets it replaces a key rather than adding one (V8's fast path).
      timeout: undefined,
      context,
      read,
    };
  };
}

/** An absolute URL is sent as it is: a `params` value for it would be dropped. */
function refuseParams(params: PathParams, url: string): void {
  for (const key in params)
    if (params[key] !== undefined) throw new ConfigError(`params.${key}`, `has no placeholder to fill: "${url}" is an absolute URL, sent as it is`);
}

/** A per-call `retry`: false, a number of tries in all, or `{ attempts }`. */
function checkCallRetry(r: unknown): CallRetryOptions | false {
  if (r === false) return false;
  if (typeof r === "number") r = { attempts: r };
  else if (typeof r !== "object" || r === null) throw new ConfigError("retry", "must be false, a number of tries in all or { attempts }");
  else checkCallRetryKeys(r);
  const attempts = (r as CallRetryOptions).attempts;
  if (attempts !== undefined) integerOption(attempts, "retry.attempts");
  return r as CallRetryOptions;
}

const NO_TIME_LIMITS: TimeoutOverride = Object.freeze({ attempt: false, total: false });

/** A per-call `timeout` as the timeout middleware reads it: a number bounds the whole call. */
function callTimeout(t: unknown): TimeoutOverride {
  if (t === false) return NO_TIME_LIMITS;
  if (typeof t === "number" || typeof t === "string") return { total: durationOption(t as Duration, "timeout") };
  if (typeof t !== "object" || t === null) throw new ConfigError("timeout", `must be a duration, { attempt, total } or false; got ${shown(t)}`);
  checkTimeoutKeys(t);
  const { attempt, total } = t as { attempt?: Duration | false; total?: Duration | false };
  const out: TimeoutOverride = {};
  if (attempt !== undefined) out.attempt = attempt === false ? false : durationOption(attempt, "timeout.attempt");
  if (total !== undefined) out.total = total === false ? false : durationOption(total, "timeout.total");
  return out;
}
