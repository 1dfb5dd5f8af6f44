import { propagation } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import {
  AggregationTemporality,
  DataPointType,
  type HistogramMetricData,
  InMemoryMetricExporter,
  MeterProvider,
  type MetricData,
  PeriodicExportingMetricReader,
} from "@opentelemetry/sdk-metrics";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, onTestFinished } from "vitest";
import { CHANNELS, subscribeChannel } from "../../../src/channels.js";
import { createClient } from "../../../src/client/create-client.js";
import { constantBackoff } from "../../../src/middleware/retry/backoff.js";
import { type Instrumentation, instrument } from "../../../src/middleware/telemetry/telemetry.js";
import { TokenManager } from "../../../src/oauth/index.js";
import { memoryTokenStore } from "../../../src/oauth/token-stores/memory.js";
import { createWebhookReceiver, memoryInbox, signWebhook } from "../../../src/webhooks/index.js";
import type { TestServer } from "../../support/http-server.js";
import { useSimulator } from "../../support/simulator.js";
import { slowApi } from "../../support/slow-api.js";
import { waitFor } from "../../support/wait.js";

const env = useSimulator();
beforeAll(() => {
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
});
afterAll(() => {
  propagation.disable();
});

let exporter: InMemoryMetricExporter;
let reader: PeriodicExportingMetricReader;
let provider: MeterProvider;
let otel: Instrumentation;
const spans = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });

beforeEach(() => {
  exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  provider = new MeterProvider({ readers: [reader] });
  spans.reset();
  otel = instrument({ meter: provider.getMeter("test"), tracer: tracerProvider.getTracer("test") });
});
afterEach(async () => {
  otel.close();
  await provider.shutdown();
});

/** Everything the in-memory exporter holds after a flush, by instrument name. */
async function collect(): Promise<Map<string, MetricData>> {
  await reader.forceFlush();
  const out = new Map<string, MetricData>();
  for (const rm of exporter.getMetrics()) for (const sm of rm.scopeMetrics) for (const m of sm.metrics) out.set(m.descriptor.name, m);
  return out;
}

const points = (m: MetricData | undefined) => (m?.dataPoints ?? []) as Array<{ attributes: Record<string, unknown>; value: unknown }>;
const sumOf = (m: MetricData | undefined, match: Record<string, unknown> = {}) =>
  points(m)
    .filter((p) => Object.entries(match).every(([k, v]) => p.attributes[k] === v))
    .reduce((n, p) => n + (p.value as number), 0);

describe("instrument(): metrics", () => {
  it("records http.client.request.duration per attempt with semantic-convention attributes and the route template", async () => {
    env.sim.route("GET", "/users/:id", [{ status: 503 }, { json: { id: 1 } }]);
    const c = createClient({ baseUrl: env.sim.url, retry: { backoff: constantBackoff(1) } });
    await c.get("/users/:id", { params: { id: "12345" } });
    await c.close();
    const m = await collect();
    const duration = m.get("http.client.request.duration") as HistogramMetricData;
    expect(duration.descriptor.unit).toBe("s");
    expect(duration.dataPointType).toBe(DataPointType.HISTOGRAM);
    const port = Number(new URL(env.sim.url).port);
    const byStatus = duration.dataPoints.map((p) => p.attributes);
    expect(byStatus).toEqual(
      expect.arrayContaining([
        {
          "http.request.method": "GET",
          "server.address": "127.0.0.1",
          "server.port": port,
          "url.template": "/users/:id",
          "http.response.status_code": 503,
          "error.type": "503",
        },
        { "http.request.method": "GET", "server.address": "127.0.0.1", "server.port": port, "url.template": "/users/:id", "http.response.status_code": 200 },
      ]),
    );
    expect(JSON.stringify(duration.dataPoints)).not.toContain("12345");
    expect(duration.dataPoints.reduce((n, p) => n + p.value.count, 0)).toBe(2);
    // Every attempt that started has ended.
    expect(sumOf(m.get("http.client.active_requests"))).toBe(0);
    expect(sumOf(m.get("ballast.client.retries"), { "error.type": "503" })).toBe(1);
    expect((m.get("ballast.client.call.duration") as HistogramMetricData).dataPoints[0]?.attributes).toMatchObject({ "ballast.call.kind": "request" });
  });

  it("counts active requests while they are in flight", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    env.sim.route("GET", "/slow", async () => {
      await gate;
      return { json: {} };
    });
    const c = createClient({ baseUrl: env.sim.url, retry: false });
    onTestFinished(() => c.close());
    const pending = Promise.all([c.get("/slow"), c.get("/slow")]);
    await waitFor(async () => sumOf((await collect()).get("http.client.active_requests"), { "url.template": "/slow" }) === 2, {
      what: "two active requests",
    });
    release();
    await pending;
    expect(sumOf((await collect()).get("http.client.active_requests"), { "url.template": "/slow" })).toBe(0);
  });

  it("records rate-limit waits and their duration, breaker state changes, cache hits and token refreshes", async () => {
    env.sim.route("GET", "/fresh", { headers: { "cache-control": "max-age=60" }, json: {} });
    env.sim.route("GET", "/broken", { status: 500 });
    const c = createClient({
      baseUrl: env.sim.url,
      retry: false,
      cache: true,
      rateLimit: { limits: [{ requests: 5, per: "1s" }] },
      circuitBreaker: { consecutiveFailures: 2, minimumRequests: 100, halfOpenAfter: "1h" },
    });
    await c.get("/fresh");
    await c.get("/fresh");
    await Promise.all([c.get("/broken").catch(() => {}), c.get("/broken").catch(() => {})]);
    await c.close();
    const tokens = new TokenManager({
      store: memoryTokenStore(),
      renew: async () => ({ accessToken: "at", tokenType: "bearer", expiresAt: Date.now() + 3_600_000 }),
    });
    await tokens.set("c", { accessToken: "old", refreshToken: "rt", tokenType: "bearer", expiresAt: 0 });
    await tokens.get("c");

    const m = await collect();
    expect(sumOf(m.get("ballast.cache.lookups"), { "ballast.cache.result": "hit", "url.template": "/fresh" })).toBe(1);
    expect(sumOf(m.get("ballast.cache.lookups"), { "ballast.cache.result": "miss", "url.template": "/fresh" })).toBe(1);
    expect(sumOf(m.get("ballast.rate_limit.waits"))).toBeGreaterThan(0);
    const waited = m.get("ballast.rate_limit.wait.duration") as HistogramMetricData;
    expect(waited.dataPoints[0]?.value.sum).toBeGreaterThan(0);
    expect(sumOf(m.get("ballast.circuit.state_changes"), { "ballast.circuit.from": "closed", "ballast.circuit.to": "open" })).toBe(1);
    expect(sumOf(m.get("ballast.oauth.token_refreshes"), { "ballast.outcome": "success" })).toBe(1);
  });

  it("records webhooks received, verified, rejected, processed and dead, and the inbox lag", async () => {
    const secret = "whsec_dGVzdC1zZWNyZXQtdGVzdC1zZWNyZXQ=";
    let processed = 0;
    let dead = 0;
    const receiver = createWebhookReceiver({
      scheme: "stripe",
      secret,
      inbox: memoryInbox(),
      worker: { maxAttempts: 1 },
      onError: () => {
        dead++;
      },
      handlers: {
        "charge.succeeded": () => {
          processed++;
        },
        "charge.failed": () => {
          throw new Error("bug");
        },
      },
    });
    const post = (type: string, id: string, key = secret) => {
      const body = JSON.stringify({ id, type, data: { object: {} } });
      return receiver.fetch(
        new Request("http://localhost/", {
          method: "POST",
          body,
          headers: { ...signWebhook({ scheme: "stripe", payload: body, secret: key }), "content-type": "application/json" },
        }),
      );
    };
    await post("charge.succeeded", "evt_1");
    await post("charge.failed", "evt_2");
    await post("charge.succeeded", "evt_3", "whsec_b3RoZXI=");
    await waitFor(() => processed >= 1 && dead >= 1, { what: "one event processed and one dead" });
    await receiver.close();
    const m = await collect();
    expect(sumOf(m.get("ballast.webhook.received"), { "ballast.webhook.scheme": "stripe" })).toBe(3);
    expect(sumOf(m.get("ballast.webhook.verified"))).toBe(2);
    expect(sumOf(m.get("ballast.webhook.rejected"), { "ballast.webhook.reason": "signature_mismatch" })).toBe(1);
    expect(sumOf(m.get("ballast.webhook.processed"), { "ballast.webhook.type": "charge.succeeded" })).toBe(1);
    expect(sumOf(m.get("ballast.webhook.failed"))).toBe(1);
    expect(sumOf(m.get("ballast.webhook.dead"), { "ballast.webhook.type": "charge.failed" })).toBe(1);
    const lag = m.get("ballast.webhook.inbox.lag") as HistogramMetricData;
    expect(lag.descriptor.unit).toBe("s");
    expect(lag.dataPoints[0]?.value.count).toBe(1);
  });
});

/** The histogram points of `m` whose attributes hold `match`. */
const histogram = (m: MetricData | undefined, match: Record<string, unknown>) =>
  ((m as HistogramMetricData | undefined)?.dataPoints ?? []).filter((p) => Object.entries(match).every(([k, v]) => p.attributes[k] === v)).map((p) => p.value);

describe("instrument(): queue time apart from the API's latency", () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("records the rate-limit wait as ballast.client.queue.duration (cause rate_limit), not as ballast.client.api.duration", async () => {
    server = await slowApi(30);
    const c = createClient({ baseUrl: server.url, retry: false, rateLimit: { limits: [{ requests: 10, per: "1s" }] } });
    // Four at once against 10/s: they leave 100 ms apart, so the calls queue 0, 100, 200 and 300 ms.
    await Promise.all(Array.from({ length: 4 }, () => c.get("/items")));
    const route = c.stats().routes["GET /items"];
    await c.close();
    const m = await collect();
    const where = { "url.template": "/items", "ballast.call.kind": "request", "http.request.method": "GET" };
    const [rateLimit] = histogram(m.get("ballast.client.queue.duration"), { ...where, "ballast.queue.cause": "rate_limit" });
    const [concurrency] = histogram(m.get("ballast.client.queue.duration"), { ...where, "ballast.queue.cause": "concurrency" });
    const [backoff] = histogram(m.get("ballast.client.queue.duration"), { ...where, "ballast.queue.cause": "retry_backoff" });
    expect(rateLimit?.count).toBe(4);
    // The waits client.stats() counts (0, 0.1, 0.2 and 0.3 s, less the calls' spread in reaching the limiter).
    expect(rateLimit?.sum).toBeCloseTo((route?.queue.rateLimitMs ?? 0) / 1000, 6);
    expect(rateLimit?.max).toBeGreaterThanOrEqual(0.2);
    expect(concurrency).toMatchObject({ count: 4, sum: 0 });
    expect(backoff).toMatchObject({ count: 4, sum: 0 });

    const answered = { ...where, "http.response.status_code": 200 };
    const [firstByte] = histogram(m.get("ballast.client.api.duration"), { ...answered, "ballast.api.phase": "first_byte" });
    const [complete] = histogram(m.get("ballast.client.api.duration"), { ...answered, "ballast.api.phase": "complete" });
    expect(firstByte?.count).toBe(4);
    expect(complete?.count).toBe(4);
    // The server's own 30 ms to the headers and 20 ms more to the end of the body, for every call, whatever it waited before.
    expect(firstByte?.min).toBeGreaterThanOrEqual(0.029);
    expect(complete?.min).toBeGreaterThanOrEqual(0.049);
    // Each whole call holds its queue time and its API time, which do not overlap (the clock counts whole ms: up to 2 ms of rounding per call).
    const [calls] = histogram(m.get("ballast.client.call.duration"), where);
    expect((complete?.sum ?? 0) + (rateLimit?.sum ?? 0)).toBeLessThanOrEqual((calls?.sum ?? 0) + 4 * 0.002);
  });

  it("records retry backoff under retry_backoff, and the API time of the attempt that answered", async () => {
    server = await slowApi(30, 1);
    const c = createClient({ baseUrl: server.url, retry: { attempts: 2 } });
    await c.get("/flaky");
    await c.close();
    const m = await collect();
    const [backoff] = histogram(m.get("ballast.client.queue.duration"), { "url.template": "/flaky", "ballast.queue.cause": "retry_backoff" });
    expect(backoff?.count).toBe(1);
    expect(backoff?.sum).toBeGreaterThanOrEqual(0.19);
    const [complete] = histogram(m.get("ballast.client.api.duration"), { "url.template": "/flaky", "ballast.api.phase": "complete" });
    // The 503 came at once; the answer that counts is the 200's.
    expect(complete).toMatchObject({ count: 1 });
    expect(complete?.min).toBeGreaterThanOrEqual(0.049);
  });

  it("raw(): the API time to the headers only, since the caller reads the body after the call", async () => {
    server = await slowApi(30);
    const c = createClient({ baseUrl: server.url, retry: false });
    const res = await c.raw({ method: "GET", path: "/stream" });
    for await (const _ of res.body ?? []) {
      // the caller reads the body after the call ended
    }
    await c.close();
    const m = await collect();
    const where = { "url.template": "/stream", "ballast.call.kind": "raw" };
    expect(histogram(m.get("ballast.client.api.duration"), { ...where, "ballast.api.phase": "first_byte" })).toMatchObject([{ count: 1 }]);
    expect(histogram(m.get("ballast.client.api.duration"), { ...where, "ballast.api.phase": "complete" })).toEqual([]);
  });

  it("publishes the same split on ballast:request:end and ballast:request:error", async () => {
    server = await slowApi(30, 2);
    const ends: Array<import("../../../src/channels.js").RequestEndEvent> = [];
    const errors: Array<import("../../../src/channels.js").RequestErrorEvent> = [];
    const offEnd = subscribeChannel(CHANNELS.requestEnd, (e) => ends.push(e));
    const offError = subscribeChannel(CHANNELS.requestError, (e) => errors.push(e));
    onTestFinished(() => {
      offEnd();
      offError();
    });
    const c = createClient({ baseUrl: server.url, retry: false, concurrency: 1 });
    // Two 503s (no retries: they throw), then a 200; one permit, so the later calls wait for it.
    await Promise.allSettled([c.get("/a"), c.get("/a"), c.get("/a")]);
    await c.close();
    expect(errors).toHaveLength(2);
    expect(ends).toHaveLength(1);
    const end = ends[0];
    expect(end?.firstByteMs).toBeGreaterThanOrEqual(29);
    expect(end?.apiMs).toBeGreaterThanOrEqual((end?.firstByteMs ?? 0) + 15);
    expect(end?.queueMs).toBe((end?.queue.rateLimitMs ?? 0) + (end?.queue.concurrencyMs ?? 0) + (end?.queue.backoffMs ?? 0));
    for (const e of errors) {
      // The 503 is the API's answer: its latency is known too.
      expect(e.firstByteMs).toBeTypeOf("number");
      expect(e.apiMs).toBeTypeOf("number");
    }
    // The 200 was the last to get the permit: it waited while the others held it.
    expect(end?.queue.concurrencyMs).toBeGreaterThan(0);
  });
});

describe("instrument(): each data point's own attributes", () => {
  it("gives every point and span its own set, and never writes to the attributes it was given", async () => {
    otel.close();
    const extra = Object.freeze({ "peer.service": "users" });
    otel = instrument({ meter: provider.getMeter("test"), tracer: tracerProvider.getTracer("test"), attributes: extra });
    env.sim.route("GET", "/users/:id", [{ status: 503 }, { json: {} }]);
    const c = createClient({ baseUrl: env.sim.url, retry: { backoff: constantBackoff(1) } });
    await c.get("/users/:id", { params: { id: "1" } });
    await c.close();
    const m = await collect();
    const attempt = {
      "http.request.method": "GET",
      "server.address": "127.0.0.1",
      "server.port": Number(new URL(env.sim.url).port),
      "url.template": "/users/:id",
    };
    // The status and error of an attempt go on its duration only; the active count holds the attempt's attributes.
    expect(points(m.get("http.client.active_requests")).map((p) => p.attributes)).toEqual([{ ...attempt, "peer.service": "users" }]);
    const call = { "ballast.call.kind": "request", ...attempt, "peer.service": "users" };
    expect(points(m.get("ballast.client.queue.duration")).map((p) => p.attributes)).toEqual(
      ["rate_limit", "concurrency", "retry_backoff"].map((cause) => ({ ...call, "ballast.queue.cause": cause })),
    );
    expect(points(m.get("ballast.client.api.duration")).map((p) => p.attributes)).toEqual(
      ["first_byte", "complete"].map((phase) => ({ ...call, "http.response.status_code": 200, "ballast.api.phase": phase })),
    );
    expect(points(m.get("ballast.client.call.duration")).map((p) => p.attributes)).toEqual([{ ...call, "http.response.status_code": 200 }]);
    const [first, second] = spans.getFinishedSpans();
    expect(first?.attributes).not.toHaveProperty("http.request.resend_count");
    expect(second?.attributes).toMatchObject({ "http.request.resend_count": 1, "peer.service": "users" });
    expect(extra).toEqual({ "peer.service": "users" });
  });
});

describe("instrument(): spans", () => {
  it("makes one CLIENT span per attempt from the channels and sends its trace context", async () => {
    const route = env.sim.route("GET", "/orders/:id", [{ status: 502 }, { json: {} }]);
    const c = createClient({ baseUrl: env.sim.url, retry: { backoff: constantBackoff(1) } });
    await c.get("/orders/:id", { params: { id: "9" } });
    await c.close();
    const finished = spans.getFinishedSpans();
    expect(finished.map((s) => s.name)).toEqual(["GET /orders/:id", "GET /orders/:id"]);
    expect(finished[0]?.attributes).toMatchObject({ "http.response.status_code": 502, "error.type": "502", "url.template": "/orders/:id" });
    expect(finished[1]?.attributes).toMatchObject({ "http.request.resend_count": 1 });
    const sent = route.requests.map((r) => r.headers.traceparent);
    expect(sent[1]).toBe(`00-${finished[1]?.spanContext().traceId}-${finished[1]?.spanContext().spanId}-01`);
  });

  it("stops recording after close()", async () => {
    otel.close();
    env.sim.route("GET", "/quiet", { json: {} });
    const c = createClient({ baseUrl: env.sim.url });
    await c.get("/quiet");
    await c.close();
    expect(spans.getFinishedSpans()).toHaveLength(0);
    expect((await collect()).get("http.client.request.duration")).toBeUndefined();
  });
});
