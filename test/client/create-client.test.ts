import { Readable } from "node:stream";
import { describe, expect, it, onTestFinished } from "vitest";
import { createClient } from "../../src/client/create-client.js";
import { ConfigError, type HttpError, isConfigError, isHttpError, isParseError, isResponseTooLargeError, type ParseError } from "../../src/errors.js";
import { bearer } from "../../src/middleware/auth/auth.js";
import type { Middleware } from "../../src/types.js";
import { useSimulator } from "../support/simulator.js";

const env = useSimulator();

const echo = () =>
  env.sim.route("*", "/echo", (req) => ({
    json: { method: req.method, url: req.url, headers: req.headers, body: req.text(), query: req.query },
  }));

describe("createClient options", () => {
  const bad: Array<[string, Record<string, unknown>]> = [
    ["baseUrl", { baseUrl: "not a url" }],
    ["baseUrl", { baseUrl: "ftp://example.com" }],
    ["baseUrl", { baseUrl: "https://user:pass@example.com" }],
    ["timeout.attempt", { baseUrl: "https://x.test", timeout: { attempt: -1 } }],
    ["timeout.total", { baseUrl: "https://x.test", timeout: { total: "soon" } }],
    ["retry.attempts", { baseUrl: "https://x.test", retry: { attempts: 0 } }],
    ["maxResponseBytes", { baseUrl: "https://x.test", maxResponseBytes: 0 }],
    ["headers.bad header", { baseUrl: "https://x.test", headers: { "bad header": "x" } }],
    ["auth", { baseUrl: "https://x.test", auth: "sk_live_123" }],
    ["use[0]", { baseUrl: "https://x.test", use: [42] }],
    ["transport.connections", { baseUrl: "https://x.test", transport: { connections: -2 } }],
  ];
  it.each(bad)("rejects an invalid %s at construction, naming the option", (option, opts) => {
    let caught: unknown;
    try {
      createClient(opts as never);
    } catch (e) {
      caught = e;
    }
    expect(isConfigError(caught)).toBe(true);
    expect((caught as ConfigError).option).toBe(option);
    expect((caught as Error).message).toContain(`"${option}"`);
  });

  it("never echoes a credential given in the wrong place", () => {
    expect(() => createClient({ baseUrl: "https://user:sk_live_secret@x.test" })).toThrow(ConfigError);
    try {
      createClient({ baseUrl: "https://user:sk_live_secret@x.test" });
    } catch (e) {
      expect(String((e as Error).message)).not.toContain("sk_live_secret");
    }
  });
});

describe("requests", () => {
  it("fills path templates, URL-encoding each value, under the baseUrl prefix", async () => {
    const route = env.sim.route("GET", "/v1/users/:id/files/:name", (req) => ({ json: req.params }));
    const client = createClient({ baseUrl: `${env.sim.url}/v1/` });
    onTestFinished(() => client.close());
    const body = await client.get("/users/:id/files/:name", { params: { id: 42, name: "a b/c?.txt" } });
    expect(body).toEqual({ id: "42", name: "a b/c?.txt" });
    expect(route.requests[0]?.path).toBe("/v1/users/42/files/a%20b%2Fc%3F.txt");
  });

  it("refuses a template whose parameter is missing", async () => {
    const client = createClient({ baseUrl: env.sim.url });
    onTestFinished(() => client.close());
    // @ts-expect-error: the compiler refuses it too; this checks the run-time guard
    await expect(client.get("/users/:id")).rejects.toMatchObject({ code: "BALLAST_CONFIG", option: "params.id" });
    expect(env.sim.requests).toHaveLength(0);
  });

  it("serialises query arrays and nested objects in bracket style and drops undefined", async () => {
    echo();
    const client = createClient({ baseUrl: env.sim.url });
    onTestFinished(() => client.close());
    const res = await client.get<{ url: string }>("/echo", {
      query: { limit: 10, expand: ["customer", "invoice"], metadata: { plan: "pro" }, missing: undefined, empty: null, on: true },
    });
    expect(decodeURIComponent(res.url)).toBe("/echo?limit=10&expand[]=customer&expand[]=invoice&metadata[plan]=pro&empty=&on=true");
  });

  it("sends json, form, multipart and raw bodies with the right content type", async () => {
    echo();
    const client = createClient({ baseUrl: env.sim.url });
    onTestFinished(() => client.close());
    type Echo = { body: string; headers: Record<string, string> };
    const json = await client.post<Echo>("/echo", { json: { amount: 100, currency: "usd" } });
    expect(json.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(json.body)).toEqual({ amount: 100, currency: "usd" });

    const form = await client.post<Echo>("/echo", { form: { amount: 100, items: [{ price: "p_1" }], expand: ["a"] } });
    expect(form.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(decodeURIComponent(form.body)).toBe("amount=100&items[0][price]=p_1&expand[0]=a");

    const multi = await client.post<Echo>("/echo", {
      multipart: { name: "report", file: { value: "hello file", filename: "a.txt", contentType: "text/plain" } },
    });
    expect(multi.headers["content-type"]).toMatch(/^multipart\/form-data; boundary=/);
    expect(multi.body).toContain('filename="a.txt"');
    expect(multi.body).toContain("hello file");

    const raw = await client.put<Echo>("/echo", { body: new Uint8Array([104, 105]), headers: { "content-type": "application/octet-stream" } });
    expect(raw.body).toBe("hi");

    const streamed = await client.put<Echo>("/echo", { body: Readable.from([Buffer.from("st"), Buffer.from("ream")]) });
    expect(streamed.body).toBe("stream");
  });

  it("refuses two bodies at once", async () => {
    const client = createClient({ baseUrl: env.sim.url });
    onTestFinished(() => client.close());
    await expect(client.post("/echo", { json: {}, form: {} })).rejects.toMatchObject({ code: "BALLAST_CONFIG", option: "body" });
  });

  it("merges client and call headers case-insensitively; undefined removes a default", async () => {
    echo();
    const client = createClient({ baseUrl: env.sim.url, headers: { "X-Team": "core", "X-Drop": "1" } });
    onTestFinished(() => client.close());
    const res = await client.get<{ headers: Record<string, string> }>("/echo", { headers: { "x-call": "yes", "X-Drop": undefined } });
    expect(res.headers["x-team"]).toBe("core");
    expect(res.headers["x-call"]).toBe("yes");
    expect(res.headers["x-drop"]).toBeUndefined();
    expect(res.headers["user-agent"]).toMatch(/^ballast\//);
  });

  it("refuses absolute URLs on other origins unless allowed, so credentials never leak", async () => {
    const client = createClient({ baseUrl: env.sim.url, auth: bearer("sk_test_abc") });
    onTestFinished(() => client.close());
    await expect(client.get("https://evil.example/steal")).rejects.toMatchObject({ code: "BALLAST_CONFIG", option: "path" });
    env.sim.route("GET", "/abs", { json: { ok: 1 } });
    expect(await client.get(`${env.sim.url}/abs`)).toEqual({ ok: 1 });
  });
});

describe("responses", () => {
  it("decodes by content type in auto mode, and as asked otherwise", async () => {
    env.sim.route("GET", "/json", { json: { a: 1 } });
    env.sim.route("GET", "/text", { body: "plain", headers: { "content-type": "text/plain" } });
    env.sim.route("GET", "/bin", { body: new Uint8Array([1, 2, 3]), headers: { "content-type": "application/octet-stream" } });
    const client = createClient({ baseUrl: env.sim.url });
    onTestFinished(() => client.close());
    expect(await client.get("/json")).toEqual({ a: 1 });
    expect(await client.get("/text")).toBe("plain");
    expect(await client.get("/bin")).toEqual(new Uint8Array([1, 2, 3]));
    expect(await client.get("/json", { responseType: "text" })).toBe('{"a":1}');
    expect(await client.get("/text", { responseType: "bytes" })).toEqual(new Uint8Array(Buffer.from("plain")));
    const stream = (await client.get("/json", { responseType: "stream" })) as Readable;
    let s = "";
    for await (const c of stream) s += c;
    expect(JSON.parse(s)).toEqual({ a: 1 });
  });

  it("resolves 204 and HEAD to undefined", async () => {
    env.sim.route("DELETE", "/things/1", { status: 204 });
    env.sim.route("HEAD", "/things/1", { headers: { "x-count": "3" } });
    const client = createClient({ baseUrl: env.sim.url });
    onTestFinished(() => client.close());
    expect(await client.delete("/things/1")).toBeUndefined();
    expect(await client.head("/things/1")).toBeUndefined();
  });

  it("gives ParseError with a short redacted excerpt when JSON is not JSON", async () => {
    env.sim.route("GET", "/broken", { body: `{"access_token":"tok_secret_value", "x": ${"9".repeat(500)}`, headers: { "content-type": "application/json" } });
    const client = createClient({ baseUrl: env.sim.url });
    onTestFinished(() => client.close());
    const err = (await client.get("/broken").catch((e: unknown) => e)) as ParseError;
    expect(isParseError(err)).toBe(true);
    expect(err.status).toBe(200);
    expect(err.excerpt.length).toBeLessThanOrEqual(201);
    expect(err.excerpt).not.toContain("tok_secret_value");
    expect(JSON.stringify(err)).not.toContain("tok_secret_value");
  });

  it("enforces maxResponseBytes while reading, by declared length or by counting", async () => {
    env.sim.route("GET", "/big", { body: "x".repeat(10_000), headers: { "content-type": "text/plain" } });
    const client = createClient({ baseUrl: env.sim.url, maxResponseBytes: 1000 });
    onTestFinished(() => client.close());
    await expect(client.get("/big")).rejects.toSatisfy(isResponseTooLargeError);
    expect(await client.get("/big", { maxResponseBytes: 20_000 })).toHaveLength(10_000);
  });

  it("turns a final non-2xx into HttpError with status, parsed body, headers, request id and attempts", async () => {
    env.sim.route("POST", "/charges", { status: 402, json: { error: { code: "card_declined" } }, headers: { "request-id": "req_123" } });
    const client = createClient({ baseUrl: env.sim.url });
    onTestFinished(() => client.close());
    const err = (await client.post("/charges", { json: { amount: 1 } }).catch((e: unknown) => e)) as HttpError;
    expect(isHttpError(err)).toBe(true);
    expect(err).toMatchObject({ status: 402, body: { error: { code: "card_declined" } }, requestId: "req_123", attempts: 1, retryable: false });
    expect(err).toMatchObject({ apiCode: "card_declined", apiMessage: undefined });
    expect(err.message).toBe(`HTTP 402 card_declined (POST ${env.sim.url}/charges)`);
  });

  it("parses RFC 9457 problem details into fields", async () => {
    env.sim.route("GET", "/problem", env.sim.problem(409, { title: "Out of credit", detail: "Your balance is 30", type: "https://example.com/probs/credit" }));
    const client = createClient({ baseUrl: env.sim.url });
    onTestFinished(() => client.close());
    const err = (await client.get("/problem").catch((e: unknown) => e)) as HttpError;
    expect(err.problem).toMatchObject({ title: "Out of credit", detail: "Your balance is 30", status: 409 });
    expect(err.message).toContain("Out of credit");
  });

  it("raw() returns status, headers and a streaming body for any status", async () => {
    env.sim.route("GET", "/raw", { status: 404, body: "nope", headers: { "x-a": "1" } });
    const client = createClient({ baseUrl: env.sim.url });
    onTestFinished(() => client.close());
    const res = await client.raw({ path: "/raw" });
    expect(res.status).toBe(404);
    expect(res.headers["x-a"]).toBe("1");
    let s = "";
    for await (const c of res.body ?? []) s += c;
    expect(s).toBe("nope");
  });
});

describe("composition", () => {
  it("runs use middleware after auth, in order, and extend() merges headers and shares the pool", async () => {
    echo();
    let connections = 0;
    const onConnection = () => connections++;
    env.sim.server.on("connection", onConnection);
    const seen: string[] = [];
    const tag =
      (name: string): Middleware =>
      (req, next) => {
        seen.push(`${name}:${req.headers.authorization ?? "-"}`);
        return next(req);
      };
    const client = createClient({ baseUrl: env.sim.url, auth: bearer("tok"), use: [tag("a"), tag("b")], headers: { "x-app": "1" } });
    const child = client.extend({ headers: { "x-tenant": "t1" } });
    const res = await child.get<{ headers: Record<string, string> }>("/echo");
    expect(seen).toEqual(["a:Bearer tok", "b:Bearer tok"]);
    expect(res.headers["x-app"]).toBe("1");
    expect(res.headers["x-tenant"]).toBe("t1");
    for (let i = 0; i < 10; i++) await (i % 2 ? client : child).get("/echo");
    // Eleven sequential calls through parent and child reuse kept-alive sockets of one pool...
    expect(connections).toBeLessThanOrEqual(2);
    await client.close();
    // ...which the child loses when the parent closes it.
    await expect(child.get("/echo")).rejects.toMatchObject({ code: "BALLAST_NETWORK" });
    env.sim.server.off("connection", onConnection);
  });

  it("counts calls per route in stats()", async () => {
    env.sim.route("GET", "/users/:id", { json: {} });
    env.sim.route("GET", "/fail", { status: 500 });
    const client = createClient({ baseUrl: env.sim.url, retry: false });
    onTestFinished(() => client.close());
    await client.get("/users/:id", { params: { id: 1 } });
    await client.get("/users/:id", { params: { id: 2 } });
    await client.get("/fail").catch(() => {});
    const stats = client.stats();
    expect(stats.routes["GET /users/:id"]).toMatchObject({ requests: 2, errors: 0, outcomes: { "2xx": 2 } });
    expect(stats.routes["GET /fail"]).toMatchObject({ requests: 1, errors: 1, errorRate: 1, outcomes: { "5xx": 1 } });
    expect(stats.routes["GET /fail"]?.latency.p50).toBeGreaterThanOrEqual(0);
  });
});
