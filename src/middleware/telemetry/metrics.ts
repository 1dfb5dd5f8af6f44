import type { Attributes, Meter } from "@opentelemetry/api";
import { type AttemptStartEvent, type CallTimes, CHANNELS, type RequestStartEvent, subscribeChannel } from "../../channels.js";
import { attemptAttributes, callAttributes, errorType } from "./attributes.js";

/** Bucket boundaries (seconds) the HTTP semantic conventions advise for request durations. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
const seconds = (ms: number) => ms / 1000;

/** `server.address` of a (redacted) URL, undefined when it does not parse. */
function hostOf(url: string): string | undefined {
  try {
    return new URL(url).hostname;
  } catch {
    return undefined;
  }
}

/** `http.request.method` and `server.address` of a request, when its URL parses. */
function requestAttributes(method: string, url: string): Attributes {
  const attrs: Attributes = { "http.request.method": method };
  const host = hostOf(url);
  if (host !== undefined) attrs["server.address"] = host;
  return attrs;
}

/**
 * Creates ballast's instruments on `meter` and feeds them from the channel
 * registry; returns the function that unsubscribes. Names and attributes are
 * listed in docs/observability.md.
 */
export function recordMetrics(meter: Meter, extra: Attributes = {}): () => void {
  const duration = meter.createHistogram("http.client.request.duration", {
    description: "Duration of HTTP client requests (one per attempt, until the response headers).",
    unit: "s",
    advice: { explicitBucketBoundaries: DURATION_BUCKETS },
  });
  const active = meter.createUpDownCounter("http.client.active_requests", { description: "Number of outbound HTTP requests in flight.", unit: "{request}" });
  const calls = meter.createHistogram("ballast.client.call.duration", {
    description:
      "Duration of client calls: every attempt, retry wait and rate-limit wait, and reading the body (ballast.client.queue.duration and ballast.client.api.duration split it).",
    unit: "s",
    advice: { explicitBucketBoundaries: DURATION_BUCKETS },
  });
  const queued = meter.createHistogram("ballast.client.queue.duration", {
    description: "Time a call spent queued on this side, by cause (rate_limit, concurrency, retry_backoff): one point per call and cause.",
    unit: "s",
    advice: { explicitBucketBoundaries: DURATION_BUCKETS },
  });
  const api = meter.createHistogram("ballast.client.api.duration", {
    description:
      "The API's latency of a call's last answered attempt, from sending to its headers (phase first_byte) and to the end of its body (phase complete).",
    unit: "s",
    advice: { explicitBucketBoundaries: DURATION_BUCKETS },
  });
  /** A call's attributes with `extra`: a new object per data point, as each point has its own set. */
  const ofCall = (e: RequestStartEvent): Attributes => Object.assign(callAttributes(e.kind, e.request.method, e.origin, e.route), extra);
  const ofCause = (e: RequestStartEvent, cause: string): Attributes => {
    const attrs = ofCall(e);
    attrs["ballast.queue.cause"] = cause;
    return attrs;
  };
  const ofPhase = (e: RequestStartEvent, status: unknown, phase: string): Attributes => {
    const attrs = ofCall(e);
    if (typeof status === "number") attrs["http.response.status_code"] = status;
    attrs["ballast.api.phase"] = phase;
    return attrs;
  };
  /** Queue time per cause, and the API's own latency of the call's last answered attempt (with its status, when known). */
  const recordTimes = (e: RequestStartEvent & CallTimes, status: unknown) => {
    queued.record(seconds(e.queue.rateLimitMs), ofCause(e, "rate_limit"));
    queued.record(seconds(e.queue.concurrencyMs), ofCause(e, "concurrency"));
    queued.record(seconds(e.queue.backoffMs), ofCause(e, "retry_backoff"));
    if (e.firstByteMs !== undefined) api.record(seconds(e.firstByteMs), ofPhase(e, status, "first_byte"));
    if (e.apiMs !== undefined) api.record(seconds(e.apiMs), ofPhase(e, status, "complete"));
  };
  const retries = meter.createCounter("ballast.client.retries", { description: "Attempts that were retried.", unit: "{retry}" });
  const waits = meter.createCounter("ballast.rate_limit.waits", { description: "Requests that waited for a rate-limit slot.", unit: "{wait}" });
  const waitTime = meter.createHistogram("ballast.rate_limit.wait.duration", { description: "Time spent waiting for a rate-limit slot.", unit: "s" });
  const breaker = meter.createCounter("ballast.circuit.state_changes", { description: "Circuit breaker state changes.", unit: "{change}" });
  const cache = meter.createCounter("ballast.cache.lookups", { description: "HTTP cache lookups by result (hit, revalidated, miss).", unit: "{lookup}" });
  const refreshes = meter.createCounter("ballast.oauth.token_refreshes", { description: "OAuth token renewals by outcome.", unit: "{refresh}" });
  const webhook = (name: string, description: string) => meter.createCounter(`ballast.webhook.${name}`, { description, unit: "{event}" });
  const received = webhook("received", "Webhook deliveries that reached a receiver.");
  const verified = webhook("verified", "Deliveries that verified and were stored (duplicate=true when already stored).");
  const rejected = webhook("rejected", "Deliveries refused, by reason.");
  const processed = webhook("processed", "Events their handler finished.");
  const failed = webhook("failed", "Handler failures (each try).");
  const dead = webhook("dead", "Events moved to dead letters.");
  const lag = meter.createHistogram("ballast.webhook.inbox.lag", { description: "From receipt to processed: how far behind the worker runs.", unit: "s" });
  const handlerTime = meter.createHistogram("ballast.webhook.handler.duration", { description: "Handler run time of processed events.", unit: "s" });

  const ofAttempt = (e: AttemptStartEvent): Attributes => Object.assign(attemptAttributes(e.method, e.origin, e.route), extra);
  const ofScheme = (scheme: string): Attributes => Object.assign({ "ballast.webhook.scheme": scheme }, extra);
  const ofEvent = (scheme: string, type: string | undefined): Attributes =>
    Object.assign({ "ballast.webhook.scheme": scheme, "ballast.webhook.type": type ?? "" }, extra);

  const subscriptions = [
    subscribeChannel(CHANNELS.attemptStart, (e) => active.add(1, ofAttempt(e))),
    subscribeChannel(CHANNELS.attemptEnd, (e) => {
      active.add(-1, ofAttempt(e.start));
      const attrs = ofAttempt(e.start);
      if (e.status !== undefined) attrs["http.response.status_code"] = e.status;
      const type = errorType(e.error, e.status);
      if (type !== undefined) attrs["error.type"] = type;
      duration.record(seconds(e.durationMs), attrs);
    }),
    subscribeChannel(CHANNELS.requestEnd, (e) => {
      const attrs = ofCall(e);
      attrs["http.response.status_code"] = e.status;
      const type = errorType(undefined, e.status);
      if (type !== undefined) attrs["error.type"] = type;
      calls.record(seconds(e.durationMs), attrs);
      recordTimes(e, e.status);
    }),
    subscribeChannel(CHANNELS.requestError, (e) => {
      const status = (e.error as { status?: unknown })?.status;
      const attrs = ofCall(e);
      if (typeof status === "number") attrs["http.response.status_code"] = status;
      attrs["error.type"] = errorType(e.error, typeof status === "number" ? status : undefined) ?? "error";
      calls.record(seconds(e.durationMs), attrs);
      recordTimes(e, status);
    }),
    subscribeChannel(CHANNELS.requestRetry, (e) => {
      const attrs = requestAttributes(e.request.method, e.request.url);
      attrs["error.type"] = errorType(e.error, e.status) ?? "unknown";
      retries.add(1, Object.assign(attrs, extra));
    }),
    subscribeChannel(CHANNELS.rateLimitWait, (e) => {
      // One set for both instruments: the object is not changed after either records it.
      const attrs = Object.assign(requestAttributes(e.request.method, e.request.url), extra);
      waits.add(1, attrs);
      waitTime.record(seconds(e.waitMs), attrs);
    }),
    subscribeChannel(CHANNELS.circuitState, (e) => breaker.add(1, Object.assign({ "ballast.circuit.from": e.from, "ballast.circuit.to": e.to }, extra))),
    subscribeChannel(CHANNELS.cacheLookup, (e) =>
      cache.add(1, Object.assign({ "ballast.cache.result": e.result, "http.request.method": e.request.method, "url.template": e.route }, extra)),
    ),
    subscribeChannel(CHANNELS.tokenRefresh, (e) => refreshes.add(1, Object.assign({ "ballast.outcome": e.outcome }, extra))),
    subscribeChannel(CHANNELS.webhookReceived, (e) => received.add(1, ofScheme(e.scheme))),
    subscribeChannel(CHANNELS.webhookVerified, (e) =>
      verified.add(1, Object.assign({ "ballast.webhook.scheme": e.scheme, "ballast.webhook.duplicate": e.duplicate }, extra)),
    ),
    subscribeChannel(CHANNELS.webhookRejected, (e) =>
      rejected.add(1, Object.assign({ "ballast.webhook.scheme": e.scheme, "ballast.webhook.reason": e.reason }, extra)),
    ),
    subscribeChannel(CHANNELS.webhookProcessed, (e) => {
      const attrs = ofEvent(e.scheme, e.type);
      processed.add(1, attrs);
      lag.record(seconds(e.lagMs), ofScheme(e.scheme));
      handlerTime.record(seconds(e.durationMs), attrs);
    }),
    subscribeChannel(CHANNELS.webhookFailed, (e) => failed.add(1, ofEvent(e.scheme, e.type))),
    subscribeChannel(CHANNELS.webhookDead, (e) => dead.add(1, ofEvent(e.scheme, e.type))),
  ];
  return () => {
    for (const unsubscribe of subscriptions) unsubscribe();
  };
}
