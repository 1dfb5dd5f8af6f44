import { Agent, request } from "undici";
import { describe, expect, it } from "vitest";
import { createApiSimulator, createFakeClock, echo } from "../../src/testing/index.js";
import { useSimulator } from "../support/simulator.js";
import { waitFor } from "../support/wait.js";

const env = useSimulator();
const { agent } = env;

async function call(method: string, path: string, init: { headers?: Record<string, string>; body?: string } = {}) {
  const res = await request(env.sim.url + path, { method: method as "GET", dispatcher: agent, ...init });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text, json: () => JSON.parse(text) as unknown };
}

describe("createApiSimulator", () => {
  it("listens on loopback on a free port", () => {
    expect(env.sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(env.sim.origin).toBe(env.sim.url);
    expect(env.sim.url.endsWith(`:${env.sim.port}`)).toBe(true);
  });

  it("answers an unknown route with 404 { error: not_found }", async () => {
    const res = await call("GET", "/nowhere");
    expect(res.status).toBe(404);
    expect(res.headers["content-type"]).toBe("application/json");
    expect(res.json()).toEqual({ error: "not_found" });
  });
});

describe("env.sim.route", () => {
  it("answers with a fixed reply: status, headers, JSON body", async () => {
    env.sim.route("GET", "/users/42", { status: 201, headers: { "x-request-id": "req_1" }, json: { id: 42 } });
    const res = await call("GET", "/users/42");
    expect(res.status).toBe(201);
    expect(res.headers["x-request-id"]).toBe("req_1");
    expect(res.headers["content-type"]).toBe("application/json");
    expect(res.headers["content-length"]).toBe(String(res.text.length));
    expect(res.json()).toEqual({ id: 42 });
  });

  it("defaults to 200 with an empty body", async () => {
    env.sim.route("GET", "/empty", {});
    const res = await call("GET", "/empty");
    expect(res.status).toBe(200);
    expect(res.text).toBe("");
  });

  it("sends raw string and byte bodies, and lets headers override the content type", async () => {
    env.sim.route("GET", "/text", { body: "hello" });
    env.sim.route("GET", "/bytes", { body: new Uint8Array([1, 2, 3]) });
    env.sim.route("GET", "/xml", { body: "<a/>", headers: { "Content-Type": "application/xml" } });
    expect((await call("GET", "/text")).headers["content-type"]).toBe("text/plain; charset=utf-8");
    const bytes = await request(`${env.sim.url}/bytes`, { dispatcher: agent });
    expect(bytes.headers["content-type"]).toBe("application/octet-stream");
    expect([...new Uint8Array(await bytes.body.arrayBuffer())]).toEqual([1, 2, 3]);
    expect((await call("GET", "/xml")).headers["content-type"]).toBe("application/xml");
  });

  it("sends repeated headers from an array", async () => {
    env.sim.route("GET", "/cookies", { headers: { "set-cookie": ["a=1", "b=2"] } });
    const res = await call("GET", "/cookies");
    expect(res.headers["set-cookie"]).toEqual(["a=1", "b=2"]);
  });

  it("plays a script one entry per request, then repeats the last", async () => {
    const route = env.sim.route("GET", "/flaky", [{ status: 503 }, { status: 500 }, { status: 200, json: { ok: true } }]);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await call("GET", "/flaky")).status);
    expect(statuses).toEqual([503, 500, 200, 200, 200]);
    expect(route.calls).toBe(5);
  });

  it("restarts the script on route.reset()", async () => {
    const route = env.sim.route("GET", "/s", [{ status: 429 }, { status: 200 }]);
    expect((await call("GET", "/s")).status).toBe(429);
    expect((await call("GET", "/s")).status).toBe(200);
    route.reset();
    expect(route.calls).toBe(0);
    expect(route.requests).toEqual([]);
    expect((await call("GET", "/s")).status).toBe(429);
  });

  it("route.effects counts only the requests the server acted on; route.runs counts every answer it gave", async () => {
    const route = env.sim.route("POST", "/charges", [
      { status: 429 },
      { status: 500 },
      { fault: "reset" },
      { status: 402, json: { error: "card_declined" } },
      { fault: "reset", status: 201, json: { id: "ch_lost" } },
      { status: 201, json: { id: "ch_1" } },
    ]);
    const outcomes: Array<number | "failed"> = [];
    for (let i = 0; i < 6; i++)
      outcomes.push(
        await call("POST", "/charges").then(
          (r) => r.status,
          () => "failed" as const,
        ),
      );
    expect(outcomes).toEqual([429, 500, "failed", 402, "failed", 201]);
    expect(route.calls).toBe(6);
    expect(route.runs).toBe(6);
    // the declined card, the charge whose answer was lost, the charge answered
    expect(route.effects).toBe(3);
  });

  it("a handler's 5xx answer and a throwing handler are not effects", async () => {
    let n = 0;
    const route = env.sim.route("POST", "/jobs", () => {
      n++;
      if (n === 1) return { status: 503 };
      if (n === 2) throw new Error("handler broke");
      return { status: 202 };
    });
    expect((await call("POST", "/jobs")).status).toBe(503);
    expect((await call("POST", "/jobs")).status).toBe(500);
    expect((await call("POST", "/jobs")).status).toBe(202);
    expect(route.effects).toBe(1);
    expect(route.runs).toBe(3);
  });

  it("runs a handler per request, sync or async", async () => {
    let n = 0;
    env.sim.route("GET", "/count", () => ({ json: { n: ++n } }));
    env.sim.route("GET", "/later", async () => {
      await new Promise((r) => setTimeout(r, 5));
      return { status: 202 };
    });
    expect((await call("GET", "/count")).json()).toEqual({ n: 1 });
    expect((await call("GET", "/count")).json()).toEqual({ n: 2 });
    expect((await call("GET", "/later")).status).toBe(202);
  });

  it("matches path templates and decodes parameters", async () => {
    env.sim.route("GET", "/users/:id/repos/:repo", (req) => ({ json: req.params }));
    env.sim.route("GET", "/files/*", (req) => ({ json: req.params }));
    expect((await call("GET", "/users/a%20b/repos/x")).json()).toEqual({ id: "a b", repo: "x" });
    expect((await call("GET", "/files/a/b/c.txt")).json()).toEqual({ "*": "a/b/c.txt" });
    expect((await call("GET", "/users/1")).status).toBe(404);
    expect((await call("GET", "/users//repos/x")).status).toBe(404);
  });

  it("ignores the query string and a trailing slash when matching", async () => {
    env.sim.route("GET", "/items", { status: 204 });
    expect((await call("GET", "/items?x=1")).status).toBe(204);
    expect((await call("GET", "/items/")).status).toBe(204);
  });

  it("matches methods exactly, '*' any method, and HEAD falls back to GET without a body", async () => {
    env.sim.route("POST", "/only-post", { status: 201 });
    env.sim.route("*", "/any", (req) => ({ json: { method: req.method } }));
    env.sim.route("GET", "/doc", { json: { big: "x".repeat(100) } });
    expect((await call("GET", "/only-post")).status).toBe(404);
    expect((await call("POST", "/only-post")).status).toBe(201);
    expect((await call("DELETE", "/any")).json()).toEqual({ method: "DELETE" });
    const head = await call("HEAD", "/doc");
    expect(head.status).toBe(200);
    expect(head.text).toBe("");
    expect(Number(head.headers["content-length"])).toBeGreaterThan(100);
  });

  it("first registered match wins; registering the same method and path again replaces it", async () => {
    env.sim.route("GET", "/users/me", { json: "me" });
    env.sim.route("GET", "/users/:id", { json: "by-id" });
    expect((await call("GET", "/users/me")).json()).toBe("me");
    env.sim.route("GET", "/users/me", { json: "me-v2" });
    expect((await call("GET", "/users/me")).json()).toBe("me-v2");
    expect(env.sim.routes).toHaveLength(2);
  });

  it("route.remove() unregisters the route", async () => {
    const route = env.sim.route("GET", "/gone", {});
    route.remove();
    expect((await call("GET", "/gone")).status).toBe(404);
  });

  it("answers 500 and records the error when a handler throws", async () => {
    env.sim.route("GET", "/boom", () => {
      throw new Error("handler broke");
    });
    const res = await call("GET", "/boom");
    expect(res.status).toBe(500);
    expect(res.json()).toMatchObject({ error: "simulator_handler_error", message: "handler broke" });
    expect(env.sim.errors).toHaveLength(1);
  });

  it("rejects invalid replies when the route is registered", () => {
    expect(() => env.sim.route("GET", "/bad", { status: 42 })).toThrow(/status/);
    expect(() => env.sim.route("GET", "/bad", { fault: "explode" as "reset" })).toThrow(/fault/);
    expect(() => env.sim.route("GET", "/bad", [])).toThrow(/at least one/);
    expect(() => env.sim.route("GET", "bad", {})).toThrow(/must start with/);
  });

  it("does not send a body or content-length with 204 and 304", async () => {
    env.sim.route("GET", "/nc", { status: 204, json: { ignored: true } });
    const res = await call("GET", "/nc");
    expect(res.status).toBe(204);
    expect(res.text).toBe("");
    expect(res.headers["content-length"]).toBeUndefined();
  });
});

describe("request log", () => {
  it("records every request in order with method, path, query, lower-case headers, body and params", async () => {
    const route = env.sim.route("POST", "/orders/:id", { status: 201 });
    await call("POST", "/orders/7?expand=items&expand=customer&x=1", {
      headers: { "X-Trace": "t1", "content-type": "application/json" },
      body: JSON.stringify({ amount: 100 }),
    });
    await call("GET", "/unknown");

    expect(env.sim.requests).toHaveLength(2);
    const [first, second] = env.sim.requests;
    expect(first).toMatchObject({ seq: expect.any(Number), method: "POST", path: "/orders/7", params: { id: "7" }, route: "/orders/:id" });
    expect(first!.url).toBe("/orders/7?expand=items&expand=customer&x=1");
    expect(first!.query).toEqual({ expand: "items", x: "1" });
    expect(first!.searchParams.getAll("expand")).toEqual(["items", "customer"]);
    expect(first!.headers["x-trace"]).toBe("t1");
    expect(first!.text()).toBe('{"amount":100}');
    expect(first!.json()).toEqual({ amount: 100 });
    expect(Buffer.isBuffer(first!.body)).toBe(true);
    expect(second).toMatchObject({ method: "GET", path: "/unknown", params: {}, route: undefined });
    expect(second!.seq).toBeGreaterThan(first!.seq);
    expect(second!.json()).toBeUndefined();
    expect(route.requests).toEqual([first]);
  });

  it("parses form bodies", async () => {
    env.sim.route("POST", "/oauth/token", (req) => ({ json: Object.fromEntries(req.form()) }));
    const res = await call("POST", "/oauth/token", {
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "grant_type=client_credentials&scope=read%20write",
    });
    expect(res.json()).toEqual({ grant_type: "client_credentials", scope: "read write" });
  });

  it("stamps receivedAt with the simulator's clock", async () => {
    const clock = createFakeClock(1_000);
    const own = await createApiSimulator({ clock });
    try {
      own.route("GET", "/t", {});
      await request(`${own.url}/t`, { dispatcher: agent }).then((r) => r.body.dump());
      expect(own.requests[0]!.receivedAt).toBe(1_000);
    } finally {
      await own.close();
    }
  });

  it("keeps no log with { log: false }, but still counts calls", async () => {
    const own = await createApiSimulator({ log: false });
    try {
      const route = own.route("GET", "/t", {});
      await request(`${own.url}/t`, { dispatcher: agent }).then((r) => r.body.dump());
      expect(own.requests).toHaveLength(0);
      expect(route.requests).toHaveLength(0);
      expect(route.calls).toBe(1);
    } finally {
      await own.close();
    }
  });

  it("env.sim.reset() clears the log, route counters and errors but keeps routes", async () => {
    const route = env.sim.route("GET", "/r", [{ status: 500 }, { status: 200 }]);
    await call("GET", "/r");
    env.sim.reset();
    expect(env.sim.requests).toHaveLength(0);
    expect(route.calls).toBe(0);
    expect((await call("GET", "/r")).status).toBe(500);
  });

  it("reads large request bodies whole", async () => {
    env.sim.route("PUT", "/upload", (req) => ({ json: { bytes: req.body.length } }));
    const big = "y".repeat(3 * 1024 * 1024);
    expect((await call("PUT", "/upload", { body: big })).json()).toEqual({ bytes: big.length });
  });
});

describe("helpers", () => {
  it("echo answers with what it received", async () => {
    env.sim.route("POST", "/echo", echo);
    const res = await call("POST", "/echo?a=1", { headers: { "x-k": "v" }, body: "ping" });
    expect(res.json()).toMatchObject({ method: "POST", path: "/echo", query: { a: "1" }, body: "ping", headers: { "x-k": "v" } });
  });

  it("env.sim.problem() builds an application/problem+json reply", async () => {
    env.sim.route("POST", "/charges", env.sim.problem(402, { title: "Card declined", detail: "Insufficient funds", type: "https://errors.example/card" }));
    const res = await call("POST", "/charges");
    expect(res.status).toBe(402);
    expect(res.headers["content-type"]).toBe("application/problem+json");
    expect(res.json()).toEqual({ type: "https://errors.example/card", status: 402, title: "Card declined", detail: "Insufficient funds" });
  });

  it("env.sim.use() hooks answer before routing (e.g. an auth check) and can be removed", async () => {
    env.sim.route("GET", "/me", { json: { id: 1 } });
    const unhook = env.sim.use((req) => (req.headers.authorization === "Bearer good" ? undefined : env.sim.problem(401, { title: "Unauthorized" })));
    expect((await call("GET", "/me")).status).toBe(401);
    expect((await call("GET", "/me", { headers: { authorization: "Bearer good" } })).status).toBe(200);
    unhook();
    expect((await call("GET", "/me")).status).toBe(200);
  });

  it("keeps connections alive between requests, and counts connections", async () => {
    env.sim.route("GET", "/ka", {});
    const first = new Agent({ connections: 1 });
    const second = new Agent({ connections: 1 });
    const before = env.sim.connections;
    try {
      for (let i = 0; i < 5; i++) await request(`${env.sim.url}/ka`, { dispatcher: first }).then((r) => r.body.dump());
      expect(new Set(env.sim.requests.map((r) => r.connection)).size).toBe(1);
      expect(env.sim.connections).toBe(before + 1);
      await request(`${env.sim.url}/ka`, { dispatcher: second }).then((r) => r.body.dump());
      expect(new Set(env.sim.requests.map((r) => r.connection)).size).toBe(2);
      expect(env.sim.connections).toBe(before + 2);
      const open = env.sim.openConnections;
      expect(open).toBeGreaterThanOrEqual(2);
      await first.close();
      await second.close();
      await waitFor(() => env.sim.openConnections <= open - 2, { what: "both agents' connections to close" });
    } finally {
      await first.destroy();
      await second.destroy();
    }
  });
});
