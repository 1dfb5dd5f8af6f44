import { once } from "node:events";
import { connect } from "node:net";
import { Agent, errors, request } from "undici";
import { describe, expect, it, onTestFinished } from "vitest";
import { createApiSimulator } from "../../src/testing/index.js";
import { useSimulator } from "../support/simulator.js";
import { waitFor } from "../support/wait.js";

const env = useSimulator();
const { agent } = env;

/** Resolves with the error a request (headers, then the whole body) fails with, or throws if it succeeds. */
async function failure(
  path: string,
  opts: { headersTimeout?: number; bodyTimeout?: number; method?: "GET" | "DELETE" } = {},
): Promise<{ error: unknown; stage: "headers" | "body" }> {
  let res: Awaited<ReturnType<typeof request>>;
  try {
    res = await request(env.sim.url + path, { dispatcher: agent, ...opts });
  } catch (error) {
    return { error, stage: "headers" };
  }
  try {
    await res.body.text();
  } catch (error) {
    return { error, stage: "body" };
  }
  throw new Error(`expected ${path} to fail, got ${res.statusCode}`);
}

function codeOf(error: unknown): string | undefined {
  const e = error as { code?: string; cause?: { code?: string } };
  return e.code ?? e.cause?.code;
}

describe("delays", () => {
  it("delay holds the response back, then answers normally", async () => {
    env.sim.route("GET", "/slow", { delay: 150, json: { ok: true } });
    const started = performance.now();
    const res = await request(`${env.sim.url}/slow`, { dispatcher: agent });
    expect(await res.body.json()).toEqual({ ok: true });
    // generous bound: it waited at all
    expect(performance.now() - started).toBeGreaterThanOrEqual(100);
  });

  it("a delay longer than the client's timeout makes the client time out", async () => {
    env.sim.route("GET", "/too-slow", { delay: 2_000 });
    const { error, stage } = await failure("/too-slow", { headersTimeout: 100 });
    expect(stage).toBe("headers");
    expect(error).toBeInstanceOf(errors.HeadersTimeoutError);
  });

  it("bodyDelay sends headers first and the body later", async () => {
    env.sim.route("GET", "/slow-body", { bodyDelay: 2_000, json: { late: true } });
    const res = await request(`${env.sim.url}/slow-body`, { dispatcher: agent, bodyTimeout: 100 });
    expect(res.statusCode).toBe(200);
    await expect(res.body.text()).rejects.toBeInstanceOf(errors.BodyTimeoutError);
  });

  it("bodyDelay within the client's patience delivers the whole body", async () => {
    env.sim.route("GET", "/slowish-body", { bodyDelay: 50, json: { late: true } });
    const res = await request(`${env.sim.url}/slowish-body`, { dispatcher: agent });
    expect(await res.body.json()).toEqual({ late: true });
  });
});

describe("faults", () => {
  it("reset: the client sees a connection reset before any response", async () => {
    env.sim.route("GET", "/reset", { fault: "reset" });
    const { error, stage } = await failure("/reset");
    expect(stage).toBe("headers");
    expect(codeOf(error)).toMatch(/ECONNRESET|UND_ERR_SOCKET/);
  });

  it("stall: the client times out waiting for headers", async () => {
    env.sim.route("GET", "/stall", { fault: "stall" });
    const { error, stage } = await failure("/stall", { headersTimeout: 100 });
    expect(stage).toBe("headers");
    expect(error).toBeInstanceOf(errors.HeadersTimeoutError);
  });

  it("truncate: headers arrive with the full length, the body read fails", async () => {
    env.sim.route("GET", "/truncate", { fault: "truncate", status: 200, json: { items: "z".repeat(500) } });
    const res = await request(`${env.sim.url}/truncate`, { dispatcher: agent });
    expect(res.statusCode).toBe(200);
    expect(Number(res.headers["content-length"])).toBeGreaterThan(500);
    await expect(res.body.text()).rejects.toMatchObject({ code: expect.stringMatching(/UND_ERR_SOCKET|ECONNRESET|UND_ERR_RES_CONTENT_LENGTH_MISMATCH/) });
  });

  it("truncate without a body of its own still cuts a body short", async () => {
    env.sim.route("GET", "/truncate-empty", { fault: "truncate" });
    const { stage } = await failure("/truncate-empty");
    expect(stage).toBe("body");
  });

  it.each([204, 304])("truncate on a %i (no body to cut): the answer is cut inside its head, never given a body HTTP forbids", async (status) => {
    env.sim.route("DELETE", `/truncate-${status}`, { fault: "truncate", status });
    const { error, stage } = await failure(`/truncate-${status}`, { method: "DELETE" });
    expect(stage).toBe("headers");
    expect(codeOf(error)).toMatch(/UND_ERR_SOCKET|ECONNRESET/);
  });

  it("reset-after-headers: the status arrives, the body read fails", async () => {
    env.sim.route("GET", "/rah", { fault: "reset-after-headers", status: 201, headers: { "x-id": "1" }, json: { id: 1 } });
    const res = await request(`${env.sim.url}/rah`, { dispatcher: agent });
    expect(res.statusCode).toBe(201);
    expect(res.headers["x-id"]).toBe("1");
    // undici reports the cut as a short body, or as the reset itself when the RST lands first
    await expect(res.body.text()).rejects.toMatchObject({ code: expect.stringMatching(/^UND_ERR_(RES_CONTENT_LENGTH_MISMATCH|SOCKET)$/) });
  });

  it("a fault then success: a script models a flaky endpoint; the client can retry on a fresh connection", async () => {
    const route = env.sim.route("GET", "/flaky", [{ fault: "reset" }, { fault: "truncate" }, { json: { ok: true } }]);
    expect((await failure("/flaky")).stage).toBe("headers");
    expect((await failure("/flaky")).stage).toBe("body");
    const res = await request(`${env.sim.url}/flaky`, { dispatcher: agent });
    expect(await res.body.json()).toEqual({ ok: true });
    expect(route.calls).toBe(3);
  });

  it("a delay happens before the fault", async () => {
    env.sim.route("GET", "/late-reset", { delay: 50, fault: "reset" });
    const { stage } = await failure("/late-reset");
    expect(stage).toBe("headers");
  });

  it("the client aborting during a delay does not disturb the simulator", async () => {
    env.sim.route("GET", "/abandon", { delay: 200 });
    env.sim.route("GET", "/after", { json: 1 });
    await expect(request(`${env.sim.url}/abandon`, { dispatcher: agent, signal: AbortSignal.timeout(30) })).rejects.toMatchObject({ name: "TimeoutError" });
    const res = await request(`${env.sim.url}/after`, { dispatcher: agent });
    expect(await res.body.json()).toBe(1);
    expect(env.sim.errors).toEqual([]);
  });
});

describe("close()", () => {
  it("closes promptly with stalled, delayed and idle kept-alive connections open", async () => {
    const own = await createApiSimulator();
    onTestFinished(() => own.close());
    own.route("GET", "/stall", { fault: "stall" });
    own.route("GET", "/delay", { delay: 60_000 });
    own.route("GET", "/ok", {});
    const client = new Agent();
    try {
      await request(`${own.url}/ok`, { dispatcher: client }).then((r) => r.body.dump());
      const pending = [request(`${own.url}/stall`, { dispatcher: client }), request(`${own.url}/delay`, { dispatcher: client })];
      const outcomes = Promise.allSettled(pending);
      await waitFor(() => own.requests.length === 3, { what: "both requests to arrive" });
      await own.close();
      const settled = await outcomes;
      expect(settled.map((s) => s.status)).toEqual(["rejected", "rejected"]);
      await expect(request(`${own.url}/ok`, { dispatcher: client })).rejects.toMatchObject({ code: "ECONNREFUSED" });
    } finally {
      await client.destroy();
    }
  });

  it("closes promptly while a client is half-way through sending a request body", async () => {
    const own = await createApiSimulator();
    onTestFinished(() => own.close());
    own.route("POST", "/upload", {});
    const socket = connect(own.port, "127.0.0.1");
    await once(socket, "connect");
    socket.write("POST /upload HTTP/1.1\r\nhost: x\r\ncontent-length: 1000\r\n\r\npartial");
    socket.on("error", () => {}); // the server resets it: that is the point
    const closed = new Promise((resolve) => socket.once("close", resolve));
    await waitFor(() => own.openConnections === 1, { what: "the half-sent request's connection" });
    await own.close();
    await closed;
    expect(own.requests).toHaveLength(0); // the body never completed
  });

  it("can be called twice, at once or after it finished, and the port is closed after", async () => {
    const own = await createApiSimulator();
    onTestFinished(() => own.close());
    await expect(Promise.all([own.close(), own.close()])).resolves.toEqual([undefined, undefined]);
    await expect(own.close()).resolves.toBeUndefined();
    await expect(request(`${own.url}/`)).rejects.toMatchObject({ code: "ECONNREFUSED" });
  });
});
