import { inspect } from "node:util";
import { ERROR_DETAIL_FIELDS, redactFields, redactHeaders, redactText, redactUrl } from "./redact.js";
import type { ApiRequest, ResponseHeaders } from "./types.js";

/** The method and redacted URL of the request an error belongs to. */
export interface ErrorRequest {
  method: string;
  url: string;
}

const BRAND = Symbol.for("ballast.error");

function escapeLineBreaks(text: string): string {
  return /[\r\n]/.test(text) ? text.replaceAll("\r", "\\r").replaceAll("\n", "\\n") : text;
}

/** Builds the redacted `{ method, url }` that errors carry. */
export function describeRequest(req: Pick<ApiRequest, "method" | "origin" | "path">): ErrorRequest {
  return { method: req.method, url: redactUrl(req.origin + req.path) };
}

export interface ApiErrorOptions {
  request?: ErrorRequest | undefined;
  cause?: unknown;
}

/**
 * Base of every ballast error. `code` is stable (`BALLAST_*`); `request` names
 * the method and redacted URL. Guards (`isApiError`, `isHttpError`, ...) work
 * across copies of the package because they check a global symbol and the code.
 */
export class ApiError extends Error {
  readonly code: string = "BALLAST_ERROR";
  readonly request: ErrorRequest | undefined;

  constructor(message: string, options: ApiErrorOptions = {}) {
    const where = options.request ? ` (${options.request.method} ${options.request.url})` : "";
    // Escaped so that a value echoed in a message (a path, a header) can never forge a line in a log.
    super(escapeLineBreaks(message + where), options.cause === undefined ? undefined : { cause: options.cause });
    this.request = options.request;
    Object.defineProperty(this, BRAND, { value: true });
  }

  override get name(): string {
    return this.constructor.name;
  }

  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = { name: this.name, code: this.code, message: this.message };
    for (const [k, v] of Object.entries(this)) if (k !== "cause") out[k] = v;
    return out;
  }

  [inspect.custom](): string {
    return `${this.stack ?? this.message}\n${inspect(this.toJSON(), { depth: 4 })}`;
  }
}

/** An option given to a factory is invalid. Thrown at construction. */
export class ConfigError extends ApiError {
  override readonly code = "BALLAST_CONFIG";
  /** The option path, e.g. `retry.attempts`. */
  readonly option: string;
  constructor(option: string, problem: string, options: { cause?: unknown } = {}) {
    super(`option "${option}" ${problem}`, options);
    this.option = option;
  }
}

/** RFC 9457 problem details, when the error body is `application/problem+json`. */
export interface ProblemDetails {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  instance?: string;
  [extension: string]: unknown;
}

export interface HttpErrorInit {
  request: ErrorRequest;
  status: number;
  headers: ResponseHeaders;
  body: unknown;
  attempts: number;
  retryable: boolean;
  retryAt?: number | undefined;
  requestId?: string | undefined;
  problem?: ProblemDetails | undefined;
  /** The API's own error code and message (already redacted), and any further details it gave. */
  apiCode?: string | undefined;
  apiMessage?: string | undefined;
  apiDetails?: Record<string, unknown> | undefined;
  /** The `Location` of a 3xx that was not followed. */
  location?: string | undefined;
  /** What the client did that the status does not say (a retry it refused, a redirect it did not follow). */
  note?: string | undefined;
}

/** The server answered with a status that is not 2xx (or 3xx when redirects are not followed). */
export class HttpError extends ApiError {
  override readonly code = "BALLAST_HTTP";
  readonly status: number;
  readonly headers: ResponseHeaders;
  /** Parsed body: JSON when it parses, else text. */
  readonly body: unknown;
  readonly attempts: number;
  readonly retryable: boolean;
  /** When a retry would be allowed (ms since epoch), if the server said. */
  readonly retryAt: number | undefined;
  readonly requestId: string | undefined;
  readonly problem: ProblemDetails | undefined;
  /** The API's own error code (`resource_missing`, `invalid_auth`, `20404`), when its body gave one. */
  readonly apiCode: string | undefined;
  /** The API's own message (`No such customer: 'cus_x'`), secrets redacted; also in `message`. */
  readonly apiMessage: string | undefined;
  /** Further fields of the API's error (param, type, more_info, ...), from the client's `apiError` reader or the built-in ones. */
  readonly apiDetails: Record<string, unknown> | undefined;
  /** The `Location` of a redirect that was not followed. */
  readonly location: string | undefined;

  constructor(init: HttpErrorInit) {
    const said = init.apiMessage ?? init.problem?.title ?? init.problem?.detail;
    const code = init.apiCode !== undefined && init.apiCode !== said ? ` ${init.apiCode}` : "";
    const extra = [said, init.note].filter((s) => s !== undefined && s !== "").join("; ");
    super(`HTTP ${init.status}${code}${extra ? `: ${extra}` : ""}`, { request: init.request });
    this.status = init.status;
    this.headers = redactHeaders(init.headers);
    this.body = init.body;
    this.attempts = init.attempts;
    this.retryable = init.retryable;
    this.retryAt = init.retryAt;
    this.requestId = init.requestId;
    this.problem = init.problem;
    this.apiCode = init.apiCode;
    this.apiMessage = init.apiMessage;
    this.apiDetails = init.apiDetails;
    this.location = init.location;
  }

  /** `body` stays whole for code; printed (JSON, `util.inspect`) its secret-looking fields are redacted. */
  override toJSON(): Record<string, unknown> {
    const out = super.toJSON();
    for (const k of Object.keys(out)) {
      const v = out[k];
      if (k === "body" && typeof v === "string") out[k] = redactText(v);
      else if (k !== "request" && typeof v === "object") out[k] = redactFields(v, undefined, k === "apiDetails" ? ERROR_DETAIL_FIELDS : undefined);
    }
    return out;
  }
}

export type TimeoutKind = "attempt" | "total";

/** A time limit passed. `limit` says which one. */
export class TimeoutError extends ApiError {
  override readonly code = "BALLAST_TIMEOUT";
  readonly limit: TimeoutKind;
  readonly timeoutMs: number;
  /**
   * False when the limit ran out before the request was sent (it was waiting
   * for a concurrency permit, or the call's deadline had already passed): the
   * server never saw it, so it is safe to send again and the circuit breaker
   * does not count it. True (the default) when the server may have seen it.
   */
  readonly sent: boolean;
  constructor(limit: TimeoutKind, timeoutMs: number, options: ApiErrorOptions & { sent?: boolean } = {}) {
    super(`${limit} timeout of ${timeoutMs} ms exceeded`, options);
    this.limit = limit;
    this.timeoutMs = timeoutMs;
    this.sent = options.sent ?? true;
  }
}

/** The connection failed (refused, reset, DNS, TLS) before a complete response arrived. */
export class NetworkError extends ApiError {
  override readonly code = "BALLAST_NETWORK";
  /** The underlying system error code, e.g. `ECONNRESET`, `ECONNREFUSED`, `ENOTFOUND`. */
  readonly errno: string | undefined;
  /** True when the request body may have reached the server (the failure came after sending started). */
  readonly sent: boolean;
  constructor(message: string, options: ApiErrorOptions & { errno?: string | undefined; sent?: boolean } = {}) {
    super(message, options);
    this.errno = options.errno;
    this.sent = options.sent ?? false;
  }
}

/** The circuit breaker is open: the request was not sent. */
export class CircuitOpenError extends ApiError {
  override readonly code = "BALLAST_CIRCUIT_OPEN";
  readonly key: string;
  /** When the breaker will let a probe through (ms since epoch). */
  readonly retryAt: number;
  constructor(key: string, retryAt: number, options: ApiErrorOptions = {}) {
    super(`circuit "${key}" is open until ${new Date(retryAt).toISOString()}`, options);
    this.key = key;
    this.retryAt = retryAt;
  }
}

/** The client-side rate limiter would make the request wait longer than allowed. */
export class RateLimitError extends ApiError {
  override readonly code = "BALLAST_RATE_LIMIT";
  readonly key: string;
  /** When the request could go (ms since epoch). */
  readonly retryAt: number;
  constructor(key: string, retryAt: number, options: ApiErrorOptions = {}) {
    super(`rate limit "${key}" exceeded; retry at ${new Date(retryAt).toISOString()}`, options);
    this.key = key;
    this.retryAt = retryAt;
  }
}

/** One problem found by schema validation. */
export interface ValidationIssue {
  message: string;
  path: ReadonlyArray<PropertyKey>;
}

/** The response body did not match the schema. */
export class ValidationError extends ApiError {
  override readonly code = "BALLAST_VALIDATION";
  readonly issues: ReadonlyArray<ValidationIssue>;
  /** A short, redacted excerpt of the body. */
  readonly excerpt: string;
  constructor(issues: ReadonlyArray<ValidationIssue>, excerpt: string, options: ApiErrorOptions = {}) {
    const first = issues[0];
    const at = first && first.path.length > 0 ? ` at ${first.path.map(String).join(".")}` : "";
    super(`response failed validation${at}: ${first?.message ?? "invalid"}${issues.length > 1 ? ` (+${issues.length - 1} more)` : ""}`, options);
    this.issues = issues;
    this.excerpt = excerpt;
  }
}

/** The body is not what its content type claims (e.g. invalid JSON). */
export class ParseError extends ApiError {
  override readonly code = "BALLAST_PARSE";
  readonly status: number;
  readonly contentType: string | undefined;
  /** A short, redacted excerpt of the body. */
  readonly excerpt: string;
  constructor(message: string, init: { status: number; contentType?: string | undefined; excerpt: string } & ApiErrorOptions) {
    super(message, init);
    this.status = init.status;
    this.contentType = init.contentType;
    this.excerpt = init.excerpt;
  }
}

/** The response body (or one streamed event of it) is larger than `maxResponseBytes`. */
export class ResponseTooLargeError extends ApiError {
  override readonly code = "BALLAST_RESPONSE_TOO_LARGE";
  readonly limit: number;
  constructor(limit: number, options: ApiErrorOptions & { what?: string } = {}) {
    super(`${options.what ?? "response body exceeds maxResponseBytes"} (${limit})`, options);
    this.limit = limit;
  }
}

/**
 * A shared store (Redis, or any `Store`) failed or did not answer in time.
 * `operation` names the store call (`acquireRate`, `acquirePermit`, ...);
 * `timedOut` is true when it did not answer within the store's timeout or the
 * call's deadline; `cause` is the store's own error. Policies document whether
 * they then fail open (go on without the store) or closed (throw this).
 */
export class StoreError extends ApiError {
  override readonly code = "BALLAST_STORE";
  readonly operation: string;
  readonly timedOut: boolean;
  constructor(operation: string, problem: string, options: ApiErrorOptions & { timedOut?: boolean } = {}) {
    super(`store ${operation} ${problem}`, options);
    this.operation = operation;
    this.timedOut = options.timedOut ?? false;
  }
}

/** The caller's signal aborted the request. `reason` is the signal's reason. */
export class AbortError extends ApiError {
  override readonly code = "BALLAST_ABORT";
  readonly reason: unknown;
  constructor(reason: unknown, options: ApiErrorOptions = {}) {
    super("request aborted", options);
    this.reason = reason;
  }
}

/**
 * A type guard for ballast errors with one of `codes` (any ballast error when
 * none is given). It reads the brand every `ApiError` carries rather than
 * `instanceof`, so it holds across copies of the package (two versions
 * installed side by side, or a bundle beside node_modules).
 */
export function errorGuard<E extends ApiError>(...codes: string[]): (e: unknown) => e is E {
  return (e: unknown): e is E => {
    if (typeof e !== "object" || e === null || (e as Record<symbol, unknown>)[BRAND] !== true) return false;
    return codes.length === 0 || codes.includes((e as { code?: unknown }).code as string);
  };
}

export const isApiError = errorGuard<ApiError>();
export const isConfigError = errorGuard<ConfigError>("BALLAST_CONFIG");
export const isHttpError = errorGuard<HttpError>("BALLAST_HTTP");
export const isTimeoutError = errorGuard<TimeoutError>("BALLAST_TIMEOUT");
export const isNetworkError = errorGuard<NetworkError>("BALLAST_NETWORK");
export const isCircuitOpenError = errorGuard<CircuitOpenError>("BALLAST_CIRCUIT_OPEN");
export const isRateLimitError = errorGuard<RateLimitError>("BALLAST_RATE_LIMIT");
export const isValidationError = errorGuard<ValidationError>("BALLAST_VALIDATION");
export const isParseError = errorGuard<ParseError>("BALLAST_PARSE");
export const isResponseTooLargeError = errorGuard<ResponseTooLargeError>("BALLAST_RESPONSE_TOO_LARGE");
export const isAbortError = errorGuard<AbortError>("BALLAST_ABORT");
export const isStoreError = errorGuard<StoreError>("BALLAST_STORE");

const httpStatus = (e: unknown): number | undefined => (isHttpError(e) ? e.status : undefined);
/** 429, or a 403 that says it is a rate limit (GitHub's secondary limits). */
export const isRateLimited = (e: unknown): boolean => {
  const s = httpStatus(e);
  return s === 429 || (s === 403 && (e as HttpError).headers["x-ratelimit-remaining"] === "0");
};
export const isUnauthorized = (e: unknown): boolean => httpStatus(e) === 401;
export const isForbidden = (e: unknown): boolean => httpStatus(e) === 403;
export const isNotFound = (e: unknown): boolean => httpStatus(e) === 404;
export const isConflict = (e: unknown): boolean => httpStatus(e) === 409;
export const isClientError = (e: unknown): boolean => {
  const s = httpStatus(e);
  return s !== undefined && s >= 400 && s < 500;
};
export const isServerError = (e: unknown): boolean => (httpStatus(e) ?? 0) >= 500;
