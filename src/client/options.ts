import type { Clock } from "../clock.js";
import { ConfigError } from "../errors.js";
import type { Logger, LoggingOptions } from "../middleware/logging/logging.js";
import type { RetryOptions } from "../middleware/retry/retry.js";
import { DEFAULT_REQUEST_ID_HEADERS } from "../response/http-error.js";
import type { Schema } from "../schema/validate.js";
import type { Store } from "../stores/types.js";
import type { UndiciTransportOptions } from "../transport/undici.js";
import type { ApiErrorReader, HttpMethod, Middleware, RedirectMode, RequestContext, ResponseType, Transport } from "../types.js";
import { type Duration, toMillis } from "../util/duration.js";
import { integerOption } from "../util/options.js";
import { VERSION } from "../version.js";
import type { BodyOptions } from "./body.js";
import type { CookieValue } from "./cookies.js";
import { checkClientKeys, checkRetryKeys, checkTimeoutKeys } from "./option-keys.js";
import type { ArrayFormat, ParamObject } from "./params.js";
import type { PathParams } from "./path-params.js";
import type { PolicyOptions } from "./policies.js";

/** Options of `createClient`. Every one is checked when the client is built. */
export interface ClientOptions extends PolicyOptions {
  /** Scheme, host, optional port and path prefix: `https://api.example.com/v1`. */
  baseUrl: string;
  /** Auth middleware: `bearer(token)`, `apiKey({...})`, `basic({...})`, an OAuth `auth(connectionId)`, or any middleware. */
  auth?: Middleware;
  /** Headers sent with every request (names are case-insensitive). */
  headers?: Record<string, string>;
  /**
   * Time limits in ms or durations: `{ attempt, total }` (default attempt "30s",
   * total "2m"); a single value sets `total`; false disables both.
   */
  timeout?: Duration | { attempt?: Duration | false; total?: Duration | false } | false;
  /** Retry policy (default: 4 tries in all, see docs/retries.md); a number is `{ attempts }` (tries in all, the first included); false disables. */
  retry?: number | RetryOptions | false;
  /** Shared state for rate limits, breakers, locks, caches (default: a memoryStore of this client). */
  store?: Store;
  /** Time source for every policy (default: the system clock). */
  clock?: Clock;
  /** A transport, or options for the default undici transport. */
  transport?: Transport | UndiciTransportOptions;
  /** Extra middleware, run after auth, just before the transport, in order. */
  use?: ReadonlyArray<Middleware>;
  /** Logs requests, responses, retries and failures with secrets redacted (off by default). */
  logger?: Logger | LoggingOptions;
  /** Largest response body read into memory, in bytes (default 50 MiB). `raw()` streams are not limited. */
  maxResponseBytes?: number;
  /** Header carrying idempotency keys (default "Idempotency-Key"). */
  idempotencyHeader?: string;
  /**
   * "auto": every POST and PATCH gets a fresh key (a UUID), the same on each of
   * its retries, so they are retried like idempotent methods. A call's own
   * `idempotencyKey` wins; `idempotencyKey: false` sends none.
   */
  idempotencyKey?: "auto";
  /** 3xx handling: "follow" (default, up to 5 hops), "error" (HttpError with status and `location`), "manual" (the 3xx as is). */
  redirect?: RedirectMode;
  /**
   * Reads the API's own error code, message and details from an error body,
   * tried before the built-in readers (problem+json, `{ error: { message, code } }`,
   * `{ message }`, `{ errors: [...] }`, Slack, OAuth). Return undefined to fall back to them.
   */
  apiError?: ApiErrorReader;
  /** How arrays in `query` are written (default "brackets": `a[]=1&a[]=2`; form bodies use indices: `a[0]=1`). */
  arrayFormat?: ArrayFormat;
  /**
   * How arrays in `form` bodies are written (default "indices" when `arrayFormat` is "brackets", else
   * `arrayFormat`). Twilio wants "repeat" (`MediaUrl=a&MediaUrl=b`); arrays of objects always get indices.
   */
  formArrayFormat?: ArrayFormat;
  /** Response headers holding a request id for errors (default: x-request-id, request-id, x-github-request-id, ...). */
  requestIdHeaders?: ReadonlyArray<string>;
  /** Other origins that absolute request URLs (e.g. pagination links) may point at, and receive credentials. */
  allowedOrigins?: ReadonlyArray<string>;
  /**
   * The API's health endpoint, probed by `checkHealth()` through the whole
   * pipeline (auth included): a 2xx or 3xx answer is healthy. Example:
   * `{ path: "/health" }` or `{ path: "/v1/status", method: "HEAD" }`.
   */
  health?: HealthEndpoint;
}

/** Where `checkHealth()` asks an API whether it is up. */
export interface HealthEndpoint {
  /** Path relative to `baseUrl` (or an absolute URL on the same origin). */
  path: string;
  /** Default "GET". */
  method?: "GET" | "HEAD";
}

/** Options of one call but its method, path and path params: what every way of making a call shares. */
export interface BaseCallOptions extends BodyOptions {
  /** Query parameters; nested objects and arrays in bracket style; undefined values dropped. */
  query?: ParamObject | URLSearchParams;
  /** Headers for this call; `undefined` removes a client default. */
  headers?: Record<string, string | undefined>;
  /** Cookies for this call, sent in the `cookie` header (after any set in `headers`), values percent-encoded; undefined values left out. */
  cookies?: Readonly<Record<string, CookieValue | undefined>>;
  signal?: AbortSignal;
  /** Validates the parsed body (any Standard Schema: zod, valibot, arktype) and types the result. */
  schema?: Schema;
  /** Maps the (validated) body to the application's model. */
  transform?: (data: never) => unknown;
  /** `true` generates a UUID; a string is used as is; `false` sends none (even with the client's "auto"). The same key is sent on every attempt. */
  idempotencyKey?: string | boolean;
  /** This call's retries, in place of the client's: false for none, or a number of tries in all (`{ attempts }`, the first included). */
  retry?: number | CallRetryOptions | false;
  /** This call's 3xx handling, in place of the client's `redirect`. */
  redirect?: RedirectMode;
  /** How to decode the body (default "auto": JSON by content-type, text for text/*, else bytes). */
  responseType?: ResponseType;
  /**
   * Per-call time limits, each a duration (ms, or a string such as `"5s"`): one
   * bounds the whole call (`{ total }`); `{ attempt, total }`; false disables them (e.g. a long stream).
   */
  timeout?: Duration | { attempt?: Duration | false; total?: Duration | false } | false;
  /** Values for policies, e.g. `{ priority: 1 }` for the rate limiter. */
  context?: RequestContext;
  /** Overrides the client's maxResponseBytes for this call. */
  maxResponseBytes?: number;
}

/** Options of a call made through a verb method (`get`, `post`, ...): everything but method and path. */
export type CallOptions = BaseCallOptions & { params?: PathParams };

/** Options of one call. */
export interface RequestOptions extends BaseCallOptions {
  method?: HttpMethod;
  /** A path template (`/users/:id` or `/users/{id}`) relative to `baseUrl`, or an absolute URL on an allowed origin. */
  path: string;
  /** Values for the path template's placeholders, URL-encoded. */
  params?: PathParams;
}

/** Retry settings a single call may change. */
export interface CallRetryOptions {
  /** Tries in all, the first included. */
  attempts?: number;
}

/** Everything `createClient` derived from its options, checked once. */
export interface ClientConfig {
  origin: string;
  prefix: string;
  headers: Record<string, string>;
  attemptTimeout: number | undefined;
  totalTimeout: number | undefined;
  maxResponseBytes: number;
  idempotencyHeader: string;
  arrayFormat: ArrayFormat;
  formArrayFormat: ArrayFormat;
  requestIdHeaders: ReadonlyArray<string>;
  allowedOrigins: ReadonlySet<string>;
  health: Required<HealthEndpoint> | undefined;
  autoIdempotencyKey: boolean;
  redirect: RedirectMode;
  apiError: ApiErrorReader | undefined;
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
export const DEFAULT_USER_AGENT = `ballast/${VERSION} node/${process.versions.node}`;

function limit(value: Duration | false | undefined, fallback: number | undefined, option: string): number | undefined {
  if (value === false) return undefined;
  if (value === undefined) return fallback;
  const ms = toMillis(value, option);
  if (ms === 0) throw new ConfigError(option, "must be > 0 (use false for no limit)");
  return ms;
}

export function normalizeHeaders(headers: Record<string, string> | undefined, option: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (headers === undefined) return out;
  if (typeof headers !== "object" || headers === null) throw new ConfigError(option, "must be an object of header names to strings");
  for (const [name, value] of Object.entries(headers)) {
    if (!HEADER_NAME.test(name)) throw new ConfigError(`${option}.${name}`, "is not a valid header name");
    if (typeof value !== "string") throw new ConfigError(`${option}.${name}`, `must be a string; got ${typeof value}`);
    if (/[\r\n]/.test(value)) throw new ConfigError(`${option}.${name}`, "must not contain CR or LF");
    out[name.toLowerCase()] = value;
  }
  return out;
}

function checkArrayFormat(format: ArrayFormat, option: string): ArrayFormat {
  if (!["brackets", "indices", "repeat", "comma"].includes(format)) throw new ConfigError(option, `must be brackets, indices, repeat or comma; got ${format}`);
  return format;
}

export function resolveConfig(o: ClientOptions): ClientConfig {
  if (o === null || typeof o !== "object") throw new ConfigError("options", "must be an object");
  checkClientKeys(o);
  let base: URL;
  try {
    base = new URL(o.baseUrl);
  } catch {
    throw new ConfigError("baseUrl", `must be an absolute http(s) URL; got ${JSON.stringify(o.baseUrl)}`);
  }
  if (base.protocol !== "http:" && base.protocol !== "https:") throw new ConfigError("baseUrl", `must use http or https; got ${base.protocol}`);
  if (base.username || base.password) throw new ConfigError("baseUrl", "must not contain credentials; use auth: basic({...})");
  if (base.search || base.hash) throw new ConfigError("baseUrl", "must not contain a query or fragment; use query: on requests");
  if (o.auth !== undefined && typeof o.auth !== "function")
    throw new ConfigError("auth", "must be a middleware such as bearer(token), apiKey({...}) or basic({...})");
  if (o.use !== undefined && !Array.isArray(o.use)) throw new ConfigError("use", "must be an array of middleware");
  o.use?.forEach((m, i) => {
    if (typeof m !== "function") throw new ConfigError(`use[${i}]`, `must be a middleware function (req, next) => Promise<ApiResponse>; got ${typeof m}`);
  });
  const r = o.retry as unknown;
  if (typeof r === "number" ? !(Number.isInteger(r) && r >= 1) : r !== undefined && r !== false && typeof r !== "object")
    throw new ConfigError("retry", `must be false, a number of tries in all (>= 1) or { attempts, ... }; got ${String(r)}`);
  if (typeof r === "object" && r !== null) checkRetryKeys(r);
  const t = o.timeout;
  if (typeof t === "object" && t !== null) checkTimeoutKeys(t);
  let attempt: number | undefined = 30_000;
  let total: number | undefined = 120_000;
  if (t === false) attempt = total = undefined;
  else if (typeof t === "object" && t !== null) {
    attempt = limit(t.attempt, 30_000, "timeout.attempt");
    total = limit(t.total, 120_000, "timeout.total");
  } else if (t !== undefined) {
    total = limit(t, undefined, "timeout");
    attempt = undefined;
  }
  const maxResponseBytes = integerOption(o.maxResponseBytes ?? 50 * 2 ** 20, "maxResponseBytes");
  const idem = o.idempotencyHeader ?? "idempotency-key";
  if (!HEADER_NAME.test(idem)) throw new ConfigError("idempotencyHeader", "is not a valid header name");
  const arrayFormat = checkArrayFormat(o.arrayFormat ?? "brackets", "arrayFormat");
  const formArrayFormat = checkArrayFormat(o.formArrayFormat ?? (arrayFormat === "brackets" ? "indices" : arrayFormat), "formArrayFormat");
  const allowed = new Set<string>();
  for (const [i, origin] of (o.allowedOrigins ?? []).entries()) {
    try {
      allowed.add(new URL(origin).origin);
    } catch {
      throw new ConfigError(`allowedOrigins[${i}]`, `must be an absolute URL; got ${JSON.stringify(origin)}`);
    }
  }
  allowed.add(base.origin);
  if (o.idempotencyKey !== undefined && o.idempotencyKey !== "auto")
    throw new ConfigError("idempotencyKey", `must be "auto" when given; got ${String(o.idempotencyKey)}`);
  const redirect = o.redirect ?? "follow";
  if (redirect !== "follow" && redirect !== "error" && redirect !== "manual")
    throw new ConfigError("redirect", `must be "follow", "error" or "manual"; got ${String(redirect)}`);
  if (o.apiError !== undefined && typeof o.apiError !== "function")
    throw new ConfigError("apiError", "must be a function (body, response) => { code, message, details } | undefined");
  return {
    origin: base.origin,
    prefix: base.pathname === "/" ? "" : base.pathname.replace(/\/$/, ""),
    headers: { "user-agent": DEFAULT_USER_AGENT, accept: "application/json, text/plain;q=0.9, */*;q=0.8", ...normalizeHeaders(o.headers, "headers") },
    attemptTimeout: attempt,
    totalTimeout: total,
    maxResponseBytes,
    idempotencyHeader: idem.toLowerCase(),
    arrayFormat,
    formArrayFormat,
    requestIdHeaders: (o.requestIdHeaders ?? DEFAULT_REQUEST_ID_HEADERS).map((h) => h.toLowerCase()),
    allowedOrigins: allowed,
    health: checkHealthEndpoint(o.health),
    autoIdempotencyKey: o.idempotencyKey === "auto",
    redirect,
    apiError: o.apiError,
  };
}

function checkHealthEndpoint(h: HealthEndpoint | undefined): Required<HealthEndpoint> | undefined {
  if (h === undefined) return undefined;
  if (h === null || typeof h !== "object" || typeof h.path !== "string" || h.path === "") {
    throw new ConfigError("health.path", 'must be a non-empty path, e.g. { path: "/health" }');
  }
  const method = h.method ?? "GET";
  if (method !== "GET" && method !== "HEAD") throw new ConfigError("health.method", `must be "GET" or "HEAD"; got ${JSON.stringify(h.method)}`);
  return { path: h.path, method };
}

/** `retry: 3` is `retry: { attempts: 3 }`: the options the pipeline is built from hold an object (or false). */
export function withRetryObject(o: ClientOptions): ClientOptions {
  return typeof o.retry === "number" ? { ...o, retry: { attempts: o.retry } } : o;
}
