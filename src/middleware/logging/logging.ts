import { type Clock, systemClock } from "../../clock.js";
import { trusted } from "../../compose.js";
import { ConfigError, isApiError } from "../../errors.js";
import { redactFields, redactHeaders, redactUrl } from "../../redact.js";
import type { ApiRequest, Middleware } from "../../types.js";
import type { RetryEvent } from "../retry/retry.js";

type LogFn = (obj: Record<string, unknown>, msg: string) => void;

/** Any pino-compatible logger (`logger.info(obj, msg)`), or `console`. */
export interface Logger {
  debug?: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
}

export interface LoggingOptions {
  logger: Logger;
  /** Extra header names to redact (auth headers, cookies and key-like names always are). */
  redactHeaders?: ReadonlyArray<string>;
  /** Extra query parameter names to redact (token-, key- and secret-like names always are). */
  redactQuery?: ReadonlyArray<string>;
  /** Extra JSON body field names to redact when bodies are logged. */
  redactBody?: ReadonlyArray<string>;
  /** Log JSON request bodies at debug level, redacted (default false). */
  logBodies?: boolean;
  clock?: Clock;
}

const lower = (xs: ReadonlyArray<string> | undefined) => new Set((xs ?? []).map((x) => x.toLowerCase()));

/** Builds the redaction functions the logging middleware and the client's retry hook share. */
export function createLogRedactor(options: Pick<LoggingOptions, "redactHeaders" | "redactQuery" | "redactBody">) {
  const headers = lower(options.redactHeaders);
  const query = lower(options.redactQuery);
  const body = lower(options.redactBody);
  return {
    url: (req: Pick<ApiRequest, "origin" | "path">) => redactUrl(req.origin + req.path, query),
    headers: (h: Record<string, unknown>) => redactHeaders(h, headers),
    body: (b: unknown) => redactFields(b, body),
  };
}

/** An `onRetry` hook that logs each retry as a warning, redacted like the rest. */
export function logRetries(options: LoggingOptions): (event: RetryEvent) => void {
  const query = lower(options.redactQuery);
  return (e) => {
    const entry: Record<string, unknown> = { method: e.request.method, url: redactUrl(e.request.url, query), attempt: e.attempt, delayMs: e.delay };
    if (e.status !== undefined) entry.status = e.status;
    if (e.error !== undefined) entry.error = isApiError(e.error) ? e.error.code : String((e.error as Error)?.message ?? e.error);
    options.logger.warn(entry, "ballast retry");
  };
}

/**
 * Logs each call: `debug` when it starts, `info` with status and duration when
 * it ends, `warn` for 4xx/5xx, `error` when it throws. Secrets are redacted
 * before anything reaches the logger. Off unless a logger is given.
 */
export function logging(options: LoggingOptions): Middleware {
  const { logger } = options;
  if (!logger || typeof logger.info !== "function" || typeof logger.warn !== "function" || typeof logger.error !== "function") {
    throw new ConfigError("logger", "must have info, warn and error methods (pino, console, ...)");
  }
  const clock = options.clock ?? systemClock;
  const redact = createLogRedactor(options);
  const debug = logger.debug?.bind(logger);

  return trusted(async function loggingMiddleware(req, next) {
    const started = clock.now();
    const url = redact.url(req);
    if (debug) {
      const entry: Record<string, unknown> = { method: req.method, url, headers: redact.headers(req.headers) };
      if (options.logBodies && typeof req.body === "string" && req.headers["content-type"]?.includes("json")) {
        try {
          entry.body = redact.body(JSON.parse(req.body));
        } catch {}
      }
      debug(entry, "ballast request");
    }
    try {
      const res = await next(req);
      const entry = { method: req.method, url, status: res.status, attempts: res.attempts, durationMs: clock.now() - started };
      if (res.status >= 400) logger.warn(entry, "ballast response");
      else logger.info(entry, "ballast response");
      return res;
    } catch (err) {
      logger.error(
        {
          method: req.method,
          url,
          durationMs: clock.now() - started,
          code: isApiError(err) ? err.code : undefined,
          error: err instanceof Error ? err.message : String(err),
        },
        "ballast request failed",
      );
      throw err;
    }
  });
}
