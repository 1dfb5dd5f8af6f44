import { type Attributes, context, propagation, type Span, SpanKind, SpanStatusCode, type Tracer, trace } from "@opentelemetry/api";
import { errorType } from "./attributes.js";

const setter = {
  set(carrier: Record<string, string>, key: string, value: string) {
    carrier[key.toLowerCase()] = value;
  },
};

/**
 * Starts the CLIENT span of one attempt, named `METHOD /route/template`, as
 * a child of the active context; with `propagate`, writes the trace context
 * headers into `headers`. `attributes` must be a new object the caller made
 * for this span: a retry's resend count is added to it.
 */
export function startAttemptSpan(tracer: Tracer, name: string, attributes: Attributes, attempt: number, headers: Record<string, string> | undefined): Span {
  if (attempt > 1) attributes["http.request.resend_count"] = attempt - 1;
  const span = tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes });
  if (headers !== undefined) propagation.inject(trace.setSpan(context.active(), span), headers, setter);
  return span;
}

/** Records the outcome (status or error) and ends the span. */
export function endAttemptSpan(span: Span, status: number | undefined, error: unknown): void {
  const type = errorType(error, status);
  if (status !== undefined) span.setAttribute("http.response.status_code", status);
  if (type !== undefined) {
    span.setAttribute("error.type", type);
    span.setStatus(status === undefined ? { code: SpanStatusCode.ERROR, message: type } : { code: SpanStatusCode.ERROR });
  }
  span.end();
}
