/**
 * `ballast/telemetry`: OpenTelemetry tracing. One CLIENT span per attempt
 * (HTTP semantic conventions: `http.request.resend_count` counts retries),
 * named by the route template (`GET /users/:id`), so cardinality stays low;
 * W3C trace context is injected into the outgoing headers. Place it in `use`,
 * which runs inside retry, after auth. Without a registered tracer provider
 * the API's no-op tracer makes it cost next to nothing.
 */
import { type Attributes, context, propagation, SpanKind, SpanStatusCode, type Tracer, trace } from "@opentelemetry/api";
import { trusted } from "../compose.js";
import { isApiError } from "../errors.js";
import type { Middleware, RequestHeaders } from "../types.js";
import { redactUrl } from "../util/redact.js";

export interface TelemetryOptions {
  /** The tracer to use (default: `trace.getTracer("ballast")` from the global provider). */
  tracer?: Tracer;
  /** Inject W3C `traceparent` / `tracestate` (and any registered propagator's headers) into requests (default true). */
  propagate?: boolean;
  /** Extra attributes for every span, e.g. `{ "peer.service": "stripe" }`. */
  attributes?: Attributes;
}

const setter = {
  set(carrier: RequestHeaders, key: string, value: string) {
    carrier[key.toLowerCase()] = value;
  },
};

export function telemetry(options: TelemetryOptions = {}): Middleware {
  const tracer = options.tracer ?? trace.getTracer("ballast");
  const propagate = options.propagate ?? true;
  const extra = options.attributes;

  return trusted(function telemetryMiddleware(req, next) {
    const url = new URL(req.origin);
    const attributes: Attributes = {
      "http.request.method": req.method,
      "server.address": url.hostname,
      "server.port": Number(url.port || (url.protocol === "https:" ? 443 : 80)),
      "url.full": redactUrl(req.origin + req.path),
      "url.template": req.route,
      ...extra,
    };
    if (req.attempt > 1) attributes["http.request.resend_count"] = req.attempt - 1;
    const span = tracer.startSpan(`${req.method} ${req.route}`, { kind: SpanKind.CLIENT, attributes });
    let out = req;
    if (propagate) {
      const headers = { ...req.headers };
      propagation.inject(trace.setSpan(context.active(), span), headers, setter);
      out = { ...req, headers };
    }
    return next(out).then(
      (res) => {
        span.setAttribute("http.response.status_code", res.status);
        if (res.status >= 400) {
          span.setAttribute("error.type", String(res.status));
          span.setStatus({ code: SpanStatusCode.ERROR });
        }
        span.end();
        return res;
      },
      (err: unknown) => {
        const type = isApiError(err) ? err.code : err instanceof Error ? err.name : "error";
        span.setAttribute("error.type", type);
        span.setStatus({ code: SpanStatusCode.ERROR, message: type });
        span.end();
        throw err;
      },
    );
  });
}
