/**
 * `ballast/telemetry`: OpenTelemetry for ballast.
 *
 * `instrument()` subscribes to ballast's diagnostics channels (src/channels.ts)
 * once per process: a CLIENT span per attempt, with W3C trace context sent,
 * and the metrics listed in docs/observability.md (`http.client.request.duration`,
 * active requests, call duration split into queue time and the API's own time,
 * retries, rate-limit waits, breaker changes, cache lookups,
 * token refreshes, webhooks and inbox lag). Every client, receiver and worker
 * in the process is covered without being wired one by one.
 *
 * `telemetry()` is the same spans as a middleware for one client (place it in
 * `use`); do not use both for spans, or each attempt gets two.
 */
import { type Attributes, type Meter, metrics, type Span, type Tracer, trace } from "@opentelemetry/api";
import { type AttemptStartEvent, CHANNELS, subscribeChannel } from "../../channels.js";
import { trusted } from "../../compose.js";
import { redactUrl } from "../../redact.js";
import type { ApiRequest, Middleware, RequestHeaders } from "../../types.js";
import { copyRequest } from "../../util/copy.js";
import { attemptAttributes } from "./attributes.js";
import { recordMetrics } from "./metrics.js";
import { endAttemptSpan, startAttemptSpan } from "./spans.js";

export interface TelemetryOptions {
  /** The tracer to use (default: `trace.getTracer("ballast")` from the global provider). */
  tracer?: Tracer;
  /** Inject W3C `traceparent` / `tracestate` (and any registered propagator's headers) into requests (default true). */
  propagate?: boolean;
  /** Extra attributes for every span, e.g. `{ "peer.service": "stripe" }`. */
  attributes?: Attributes;
}

export interface InstrumentOptions extends TelemetryOptions {
  /** The meter for metrics (default: `metrics.getMeter("ballast")` from the global provider). */
  meter?: Meter;
  /** Record spans (default true). */
  spans?: boolean;
  /** Record metrics (default true). */
  metrics?: boolean;
}

export interface Instrumentation {
  /** Unsubscribes from every channel. */
  close(): void;
}

/**
 * Spans and metrics for everything ballast does in this process, fed by its
 * diagnostics channels. Call once at startup, after registering the
 * OpenTelemetry SDK.
 *
 * ```ts
 * import { instrument } from "ballast/telemetry";
 * const otel = instrument({ attributes: { "peer.service": "stripe" } });
 * ```
 */
export function instrument(options: InstrumentOptions = {}): Instrumentation {
  const closers: Array<() => void> = [];
  if (options.metrics !== false) closers.push(recordMetrics(options.meter ?? metrics.getMeter("ballast"), options.attributes));
  if (options.spans !== false) closers.push(recordSpans(options));
  return {
    close() {
      for (const close of closers.splice(0)) close();
    },
  };
}

function recordSpans(options: TelemetryOptions): () => void {
  const tracer = options.tracer ?? trace.getTracer("ballast");
  const propagate = options.propagate ?? true;
  const extra = options.attributes;
  const open = new WeakMap<AttemptStartEvent, Span>();
  const offStart = subscribeChannel(CHANNELS.attemptStart, (e) => {
    const attributes = attemptAttributes(e.method, e.origin, e.route);
    attributes["url.full"] = e.request.url;
    open.set(e, startAttemptSpan(tracer, `${e.method} ${e.route}`, Object.assign(attributes, extra), e.attempt, propagate ? e.headers : undefined));
  });
  const offEnd = subscribeChannel(CHANNELS.attemptEnd, (e) => {
    const span = open.get(e.start);
    if (span === undefined) return;
    open.delete(e.start);
    endAttemptSpan(span, e.status, e.error);
  });
  return () => {
    offStart();
    offEnd();
  };
}

/** The request with `headers` in place of its own, as a copy. */
function withHeaders(req: ApiRequest, headers: RequestHeaders): ApiRequest {
  const copy = copyRequest(req);
  copy.headers = headers;
  return copy;
}

/**
 * One CLIENT span per attempt as a middleware for one client (HTTP semantic
 * conventions: `http.request.resend_count` counts retries), named by the
 * route template (`GET /users/:id`), so cardinality stays low; W3C trace
 * context is injected into the outgoing headers. Place it in `use`, which
 * runs inside retry, after auth.
 */
export function telemetry(options: TelemetryOptions = {}): Middleware {
  const tracer = options.tracer ?? trace.getTracer("ballast");
  const propagate = options.propagate ?? true;
  const extra = options.attributes;

  return trusted(function telemetryMiddleware(req, next) {
    const attributes = attemptAttributes(req.method, req.origin, req.route);
    attributes["url.full"] = redactUrl(req.origin + req.path);
    // A copy for the propagator to write into: the request's headers are the caller's.
    const headers: RequestHeaders | undefined = propagate ? Object.assign({}, req.headers) : undefined;
    const span = startAttemptSpan(tracer, `${req.method} ${req.route}`, Object.assign(attributes, extra), req.attempt, headers);
    return next(headers === undefined ? req : withHeaders(req, headers)).then(
      (res) => {
        endAttemptSpan(span, res.status, undefined);
        return res;
      },
      (err: unknown) => {
        endAttemptSpan(span, undefined, err);
        throw err;
      },
    );
  });
}
