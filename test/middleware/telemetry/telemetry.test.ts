import { propagation } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { createClient } from "../../../src/client/create-client.js";
import { apiKey } from "../../../src/middleware/auth/auth.js";
import { constantBackoff } from "../../../src/middleware/retry/backoff.js";
import { telemetry } from "../../../src/middleware/telemetry/telemetry.js";
import { useSimulator } from "../../support/simulator.js";

const env = useSimulator();
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
beforeAll(() => {
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
});
afterAll(() => {
  propagation.disable();
});

describe("telemetry", () => {
  it("makes one client span per attempt, named by route, with HTTP attributes and trace context sent", async () => {
    const route = env.sim.route("GET", "/users/:id", [{ status: 503 }, { json: { id: 1 } }]);
    const c = createClient({
      baseUrl: env.sim.url,
      auth: apiKey({ query: "api_key", value: "SECRET_KEY" }),
      retry: { backoff: constantBackoff(1) },
      use: [telemetry({ tracer: provider.getTracer("test"), attributes: { "peer.service": "users" } })],
    });
    onTestFinished(() => c.close());
    await c.get("/users/:id", { params: { id: 7 } });
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => s.name)).toEqual(["GET /users/:id", "GET /users/:id"]);
    expect(spans[0]?.attributes).toMatchObject({
      "http.request.method": "GET",
      "http.response.status_code": 503,
      "error.type": "503",
      "peer.service": "users",
    });
    expect(spans[1]?.attributes).toMatchObject({ "http.response.status_code": 200, "http.request.resend_count": 1 });
    expect(String(spans[0]?.attributes["url.full"])).toContain("api_key=[REDACTED]");
    expect(JSON.stringify(spans.map((s) => s.attributes))).not.toContain("SECRET_KEY");
    const sent = route.requests.map((r) => r.headers.traceparent);
    expect(sent[1]).toMatch(new RegExp(`^00-${spans[1]?.spanContext().traceId}-${spans[1]?.spanContext().spanId}-01$`));
  });

  it("records a thrown failure with its error code", async () => {
    exporter.reset();
    const c = createClient({ baseUrl: "http://127.0.0.1:1", retry: false, use: [telemetry({ tracer: provider.getTracer("test") })] });
    onTestFinished(() => c.close());
    await c.get("/x").catch(() => {});
    const [span] = exporter.getFinishedSpans();
    expect(span?.attributes["error.type"]).toBe("BALLAST_NETWORK");
    expect(span?.status.code).toBe(2);
  });

  it("sends its trace context on a copy of the request, leaving the caller's headers as they were", async () => {
    env.sim.route("GET", "/r", { json: {} });
    let given: Readonly<Record<string, string>> | undefined;
    let sent: Readonly<Record<string, string>> | undefined;
    const c = createClient({
      baseUrl: env.sim.url,
      retry: false,
      use: [
        (req, next) => {
          given = Object.freeze({ ...req.headers });
          return next({ ...req, headers: given });
        },
        telemetry({ tracer: provider.getTracer("test") }),
        (req, next) => {
          sent = req.headers;
          return next(req);
        },
      ],
    });
    onTestFinished(() => c.close());
    await c.get("/r", { headers: { "x-request-id": "r1" } });
    expect(sent).toMatchObject({ "x-request-id": "r1", traceparent: expect.stringMatching(/^00-/) });
    expect(given).toEqual({ ...sent, traceparent: undefined });
    expect(given).not.toHaveProperty("traceparent");
  });
});
