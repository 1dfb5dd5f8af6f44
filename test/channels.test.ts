import { afterEach, describe, expect, it, onTestFinished } from "vitest";
import { CHANNELS, type ChannelMessages, type ChannelName, subscribeChannel } from "../src/channels.js";
import { createClient } from "../src/client/create-client.js";
import { logEvents } from "../src/middleware/logging/events.js";
import { constantBackoff } from "../src/middleware/retry/backoff.js";
import { TokenManager } from "../src/oauth/index.js";
import { memoryTokenStore } from "../src/oauth/token-stores/memory.js";
import { cursor } from "../src/pagination/cursor.js";
import { createWebhookReceiver, memoryInbox, signWebhook } from "../src/webhooks/index.js";
import { useSimulator } from "./support/simulator.js";
import { waitFor } from "./support/wait.js";

const env = useSimulator();

/** Records every message of every ballast channel while a test runs. */
function recordAll() {
  const seen: Array<{ name: ChannelName; message: unknown }> = [];
  const offs = Object.values(CHANNELS).map((name) => subscribeChannel(name, (message) => seen.push({ name, message })));
  return {
    of<N extends ChannelName>(name: N): Array<ChannelMessages[N]> {
      return seen.filter((s) => s.name === name).map((s) => s.message as ChannelMessages[N]);
    },
    names: () => seen.map((s) => s.name),
    stop: () => {
      for (const off of offs) off();
    },
  };
}

let recorder: ReturnType<typeof recordAll>;
afterEach(() => recorder?.stop());

/** Waits until `check` stops throwing (bounded; fails loudly with its last error). */
const eventually = (check: () => void) =>
  waitFor(() => {
    check();
    return true;
  });

describe("the channel registry", () => {
  it("names every channel once, all under ballast:", () => {
    const names = Object.values(CHANNELS);
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(n).toMatch(/^ballast:[a-z]+:[a-z]+$/);
    // Names other code already subscribes to keep working.
    expect(names).toEqual(
      expect.arrayContaining(["ballast:request:start", "ballast:request:end", "ballast:request:error", "ballast:request:retry", "ballast:circuit:state"]),
    );
  });

  it("publishes start/end for verbs with their kind, status, attempts and a redacted URL, and error for failures", async () => {
    env.sim.route("GET", "/things/:id", [{ status: 503 }, { json: { ok: true } }]);
    env.sim.route("GET", "/gone", { status: 404 });
    recorder = recordAll();
    const c = createClient({ baseUrl: env.sim.url, retry: { backoff: constantBackoff(1) } });
    onTestFinished(() => c.close());
    await c.get("/things/:id", { params: { id: "7" }, query: { api_key: "SECRET_Q" } });
    await c.get("/gone").catch(() => {});
    const [start] = recorder.of(CHANNELS.requestStart);
    expect(start).toMatchObject({ kind: "request", route: "/things/:id", origin: env.sim.url, request: { method: "GET" } });
    expect(start?.request.url).toContain("api_key=[REDACTED]");
    expect(recorder.of(CHANNELS.requestEnd)).toEqual([expect.objectContaining({ kind: "request", status: 200, attempts: 2 })]);
    const [retry] = recorder.of(CHANNELS.requestRetry);
    expect(retry).toMatchObject({ attempt: 1, status: 503 });
    const [failure] = recorder.of(CHANNELS.requestError);
    expect(failure).toMatchObject({ kind: "request", route: "/gone", error: expect.objectContaining({ status: 404 }) });
    expect(JSON.stringify(recorder.of(CHANNELS.requestStart))).not.toContain("SECRET_Q");
    // One attempt:start/end pair per attempt, matched by the same start object.
    const attempts = recorder.of(CHANNELS.attemptEnd);
    expect(attempts.map((a) => [a.start.route, a.start.attempt, a.status])).toEqual([
      ["/things/:id", 1, 503],
      ["/things/:id", 2, 200],
      ["/gone", 1, 404],
    ]);
    expect(recorder.of(CHANNELS.attemptStart)).toEqual(attempts.map((a) => a.start));
  });

  it("lets an attempt:start subscriber add headers to the request that is sent", async () => {
    const route = env.sim.route("GET", "/traced", { json: {} });
    const off = subscribeChannel(CHANNELS.attemptStart, (e) => {
      e.headers.traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    });
    const c = createClient({ baseUrl: env.sim.url });
    try {
      await c.get("/traced");
    } finally {
      off();
      await c.close();
    }
    expect(route.requests[0]?.headers.traceparent).toBe("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  });

  it("publishes for raw(), paginate(), pages() and sse(), each with its kind", async () => {
    env.sim.route("GET", "/raw", { json: { raw: true } });
    env.sim.collection(
      "/list",
      Array.from({ length: 5 }, (_, i) => ({ id: `u${i}` })),
      { style: "cursor", pageSize: 2 },
    );
    env.sim.route("GET", "/stream", { headers: { "content-type": "text/event-stream" }, body: "data: one\n\n" });
    recorder = recordAll();
    const c = createClient({ baseUrl: env.sim.url, retry: false });
    onTestFinished(() => c.close());
    const res = await c.raw({ method: "GET", path: "/raw" });
    await res.body?.resume();
    const strategy = cursor();
    for await (const _ of c.paginate("/list", { strategy })) {
    }
    for await (const _ of c.pages("/list", { strategy })) {
    }
    for await (const _ of c.sse("/stream", { reconnect: false })) {
    }
    const kinds = recorder.of(CHANNELS.requestEnd).map((e) => `${e.kind} ${e.route}`);
    expect(kinds).toEqual(["raw /raw", "paginate /list", "paginate /list", "paginate /list", "pages /list", "pages /list", "pages /list", "sse /stream"]);
    expect(recorder.of(CHANNELS.requestStart)).toHaveLength(8);
  });

  it("publishes rate-limit waits, breaker state changes and cache lookups", async () => {
    let hits = 0;
    env.sim.route("GET", "/cached", () => {
      hits++;
      return { headers: { "cache-control": "max-age=60" }, json: { hits } };
    });
    env.sim.route("GET", "/down", { status: 500 });
    recorder = recordAll();
    const c = createClient({
      baseUrl: env.sim.url,
      retry: false,
      cache: true,
      rateLimit: { limits: [{ requests: 5, per: "1s" }] },
      circuitBreaker: { consecutiveFailures: 2, minimumRequests: 100, halfOpenAfter: "1h" },
    });
    onTestFinished(() => c.close());
    await c.get("/cached");
    await c.get("/cached");
    expect(recorder.of(CHANNELS.cacheLookup).map((e) => e.result)).toEqual(["miss", "hit"]);
    expect(recorder.of(CHANNELS.cacheLookup)[1]).toMatchObject({ route: "/cached", request: { method: "GET" } });
    // 5/s spaces requests 200 ms apart: the second one in a row waits.
    await Promise.all([c.get("/down").catch(() => {}), c.get("/down").catch(() => {})]);
    const waits = recorder.of(CHANNELS.rateLimitWait);
    expect(waits.length).toBeGreaterThan(0);
    expect(waits[0]?.waitMs).toBeGreaterThan(0);
    expect(recorder.of(CHANNELS.circuitState)).toEqual([expect.objectContaining({ from: "closed", to: "open", key: env.sim.url })]);
  });

  it("publishes token refreshes, successful and failed", async () => {
    let fail = false;
    const tokens = new TokenManager({
      store: memoryTokenStore(),
      renew: async () => {
        if (fail) throw new Error("token endpoint down");
        return { accessToken: "at-new", tokenType: "bearer", expiresAt: Date.now() + 3_600_000 };
      },
    });
    await tokens.set("conn-1", { accessToken: "at-old", refreshToken: "rt", tokenType: "bearer", expiresAt: Date.now() - 1 });
    recorder = recordAll();
    await tokens.get("conn-1");
    fail = true;
    await tokens.refresh("conn-1").catch(() => {});
    expect(recorder.of(CHANNELS.tokenRefresh).map((e) => [e.connectionId, e.outcome])).toEqual([
      ["conn-1", "success"],
      ["conn-1", "failure"],
    ]);
    expect(JSON.stringify(recorder.of(CHANNELS.tokenRefresh))).not.toContain("at-new");
  });

  it("publishes webhook received, verified, rejected, processed, failed and dead; logEvents logs them", async () => {
    const secret = "whsec_dGVzdC1zZWNyZXQtdGVzdC1zZWNyZXQ=";
    recorder = recordAll();
    const lines: Array<{ level: string; msg: string; obj: Record<string, unknown> }> = [];
    const at = (level: string) => (obj: Record<string, unknown>, msg: string) => lines.push({ level, msg, obj });
    const stopLogging = logEvents({ debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") });
    const receiver = createWebhookReceiver({
      scheme: "stripe",
      secret,
      inbox: memoryInbox(),
      worker: { maxAttempts: 1 },
      onError: () => {},
      handlers: {
        "invoice.paid": () => {},
        "invoice.broken": () => {
          throw new Error("handler bug");
        },
      },
    });
    const deliver = (id: string, type: string, badSignature = false) => {
      const body = JSON.stringify({ id, type, data: { object: {} } });
      const headers = signWebhook({ scheme: "stripe", payload: body, secret: badSignature ? "whsec_b3RoZXI=" : secret });
      return receiver.fetch(new Request("http://localhost/hooks", { method: "POST", body, headers: { ...headers, "content-type": "application/json" } }));
    };
    expect((await deliver("evt_ok", "invoice.paid")).status).toBe(200);
    expect((await deliver("evt_ok", "invoice.paid")).status).toBe(200);
    expect((await deliver("evt_bad", "invoice.broken")).status).toBe(200);
    expect((await deliver("evt_forged", "invoice.paid", true)).status).toBe(401);
    await eventually(() => expect(recorder.of(CHANNELS.webhookDead)).toHaveLength(1));
    await eventually(() => expect(recorder.of(CHANNELS.webhookProcessed)).toHaveLength(1));
    await receiver.close();
    stopLogging();
    expect(recorder.of(CHANNELS.webhookReceived)).toHaveLength(4);
    expect(recorder.of(CHANNELS.webhookVerified).map((e) => [e.id, e.duplicate])).toEqual([
      ["evt_ok", false],
      ["evt_ok", true],
      ["evt_bad", false],
    ]);
    expect(recorder.of(CHANNELS.webhookRejected)).toEqual([{ scheme: "stripe", reason: "signature_mismatch", status: 401 }]);
    const [processed] = recorder.of(CHANNELS.webhookProcessed);
    expect(processed).toMatchObject({ scheme: "stripe", id: "evt_ok", type: "invoice.paid", attempt: 1 });
    expect(processed?.lagMs).toBeGreaterThanOrEqual(0);
    expect(recorder.of(CHANNELS.webhookFailed)).toEqual([expect.objectContaining({ id: "evt_bad", willRetry: false })]);
    expect(recorder.of(CHANNELS.webhookDead)).toEqual([expect.objectContaining({ id: "evt_bad", reason: "Error: handler bug" })]);
    expect(lines.map((l) => `${l.level}:${l.msg}`)).toEqual(
      expect.arrayContaining(["warn:ballast webhook rejected", "info:ballast webhook processed", "error:ballast webhook dead-lettered"]),
    );
  });
});
