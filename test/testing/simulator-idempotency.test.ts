import { request } from "undici";
import { describe, expect, it } from "vitest";
import { useSimulator } from "../support/simulator.js";
import { waitFor } from "../support/wait.js";

const env = useSimulator();
const { agent } = env;

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await request(env.sim.url + path, {
    method: "POST",
    dispatcher: agent,
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text, json: () => JSON.parse(text) as Record<string, unknown> };
}

function chargeHandler() {
  let next = 1;
  return () => ({ status: 201, headers: { "request-id": `req_${next}` }, json: { id: `ch_${next++}` } });
}

describe("idempotency", () => {
  it("a repeated key replays the first response without running the handler again", async () => {
    const route = env.sim.route("POST", "/charges", chargeHandler(), { idempotency: true });
    const first = await post("/charges", { amount: 100 }, { "idempotency-key": "k1" });
    const again = await post("/charges", { amount: 100 }, { "idempotency-key": "k1" });
    expect(first.status).toBe(201);
    expect(first.headers["idempotent-replayed"]).toBeUndefined();
    expect(again.status).toBe(201);
    expect(again.text).toBe(first.text);
    expect(again.headers["request-id"]).toBe("req_1");
    expect(again.headers["idempotent-replayed"]).toBe("true");
    expect(route.effects).toBe(1);
    expect(route.calls).toBe(2);
  });

  it("different keys, or no key, run the handler each time", async () => {
    const route = env.sim.route("POST", "/charges", chargeHandler(), { idempotency: true });
    expect((await post("/charges", { amount: 1 }, { "idempotency-key": "a" })).json()).toEqual({ id: "ch_1" });
    expect((await post("/charges", { amount: 1 }, { "idempotency-key": "b" })).json()).toEqual({ id: "ch_2" });
    expect((await post("/charges", { amount: 1 })).json()).toEqual({ id: "ch_3" });
    expect((await post("/charges", { amount: 1 })).json()).toEqual({ id: "ch_4" });
    expect(route.effects).toBe(4);
  });

  it("a reused key with a different body is a 422 and runs nothing", async () => {
    const route = env.sim.route("POST", "/charges", chargeHandler(), { idempotency: true });
    await post("/charges", { amount: 100 }, { "idempotency-key": "k" });
    const mismatch = await post("/charges", { amount: 200 }, { "idempotency-key": "k" });
    expect(mismatch.status).toBe(422);
    expect(mismatch.json()).toMatchObject({ error: { type: "idempotency_error", code: "idempotency_key_reused" } });
    expect(route.effects).toBe(1);
  });

  it("keys are scoped to method and path", async () => {
    const charges = env.sim.route("POST", "/charges", chargeHandler(), { idempotency: true });
    const refunds = env.sim.route("POST", "/refunds", chargeHandler(), { idempotency: true });
    await post("/charges", {}, { "idempotency-key": "same" });
    await post("/refunds", {}, { "idempotency-key": "same" });
    expect(charges.effects).toBe(1);
    expect(refunds.effects).toBe(1);
  });

  it("a concurrent request with a key still in flight gets 409", async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const route = env.sim.route(
      "POST",
      "/slow",
      async () => {
        await gate;
        return { status: 201, json: { ok: true } };
      },
      { idempotency: true },
    );
    const first = post("/slow", {}, { "idempotency-key": "busy" });
    await waitFor(() => route.calls === 1, { what: "the first request to reach the handler" });
    const second = await post("/slow", {}, { "idempotency-key": "busy" });
    expect(second.status).toBe(409);
    release();
    expect((await first).status).toBe(201);
    expect(route.effects).toBe(1);
  });

  it("a processed request whose connection was lost is replayed on retry (fault with a status)", async () => {
    const route = env.sim.route(
      "POST",
      "/charges",
      [
        { fault: "reset", status: 201, json: { id: "ch_1" } },
        { status: 201, json: { id: "ch_2" } },
      ],
      {
        idempotency: true,
      },
    );
    await expect(post("/charges", { amount: 5 }, { "idempotency-key": "lost" })).rejects.toMatchObject({
      code: expect.stringMatching(/^(UND_ERR_SOCKET|ECONNRESET)$/),
    });
    const retry = await post("/charges", { amount: 5 }, { "idempotency-key": "lost" });
    expect(retry.status).toBe(201);
    expect(retry.json()).toEqual({ id: "ch_1" });
    expect(retry.headers["idempotent-replayed"]).toBe("true");
    expect(route.effects).toBe(1);
  });

  it("5xx, 429 and bare connection faults are not stored: a retry with the same key runs again", async () => {
    const route = env.sim.route("POST", "/charges", [{ status: 503 }, { fault: "reset" }, { status: 429 }, { status: 201, json: { id: "ch_ok" } }], {
      idempotency: true,
    });
    expect((await post("/charges", {}, { "idempotency-key": "r" })).status).toBe(503);
    await expect(post("/charges", {}, { "idempotency-key": "r" })).rejects.toMatchObject({ code: expect.stringMatching(/^(UND_ERR_SOCKET|ECONNRESET)$/) });
    expect((await post("/charges", {}, { "idempotency-key": "r" })).status).toBe(429);
    expect((await post("/charges", {}, { "idempotency-key": "r" })).status).toBe(201);
    const replay = await post("/charges", {}, { "idempotency-key": "r" });
    expect(replay.json()).toEqual({ id: "ch_ok" });
    expect(replay.headers["idempotent-replayed"]).toBe("true");
    expect(route.runs).toBe(4);
    expect(route.effects).toBe(1);
  });

  it("4xx results are stored and replayed, as Stripe does", async () => {
    const route = env.sim.route("POST", "/charges", [{ status: 402, json: { error: "card_declined" } }, { status: 201 }], { idempotency: true });
    expect((await post("/charges", {}, { "idempotency-key": "d" })).status).toBe(402);
    expect((await post("/charges", {}, { "idempotency-key": "d" })).status).toBe(402);
    expect(route.effects).toBe(1);
  });

  it("honours a custom header name", async () => {
    const route = env.sim.route("POST", "/x", chargeHandler(), { idempotency: { header: "X-Request-Key" } });
    await post("/x", {}, { "x-request-key": "z" });
    await post("/x", {}, { "x-request-key": "z" });
    await post("/x", {}, { "idempotency-key": "z" });
    expect(route.effects).toBe(2);
  });

  it("routes without the option ignore the header", async () => {
    const route = env.sim.route("POST", "/plain", chargeHandler());
    await post("/plain", {}, { "idempotency-key": "k" });
    await post("/plain", {}, { "idempotency-key": "k" });
    expect(route.effects).toBe(2);
  });

  it("a handler that throws stores nothing: the key can be used again", async () => {
    let fail = true;
    const route = env.sim.route(
      "POST",
      "/boom",
      () => {
        if (fail) throw new Error("boom");
        return { status: 201 };
      },
      { idempotency: true },
    );
    expect((await post("/boom", {}, { "idempotency-key": "t" })).status).toBe(500);
    fail = false;
    expect((await post("/boom", {}, { "idempotency-key": "t" })).status).toBe(201);
    expect(route.runs).toBe(2);
    expect(route.effects).toBe(1);
  });

  it("env.sim.reset() forgets keys", async () => {
    const route = env.sim.route("POST", "/charges", chargeHandler(), { idempotency: true });
    await post("/charges", {}, { "idempotency-key": "k" });
    env.sim.reset();
    await post("/charges", {}, { "idempotency-key": "k" });
    expect(route.effects).toBe(1);
    expect(route.calls).toBe(1);
  });
});
