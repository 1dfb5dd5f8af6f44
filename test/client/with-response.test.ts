import { describe, expect, expectTypeOf, it, onTestFinished } from "vitest";
import type { CallPromise, ResponseInfo } from "../../src/client/call.js";
import { createClient } from "../../src/client/create-client.js";
import { type HttpError, isHttpError, isValidationError } from "../../src/errors.js";
import { bearer } from "../../src/middleware/auth/auth.js";
import { useSimulator } from "../support/simulator.js";

const env = useSimulator();

/** A tiny Standard Schema (no library needed) that checks `{ id: string }`. */
const userSchema = {
  "~standard": {
    version: 1 as const,
    vendor: "test",
    validate: (v: unknown) =>
      typeof (v as { id?: unknown })?.id === "string" ? { value: v as { id: string } } : { issues: [{ message: "id must be a string", path: ["id"] }] },
  },
};

describe(".withResponse(): the data and the response's metadata from one call", () => {
  it("gives the parsed body with status, headers, request id, attempts and the final URL", async () => {
    env.sim.route("POST", "/v3/mail/send", { status: 202, headers: { "x-message-id": "msg_1", etag: '"v1"' } });
    env.sim.route("GET", "/users/:id", (req) => ({ json: { id: req.params.id }, headers: { "request-id": "req_42" } }));
    const client = createClient({ baseUrl: env.sim.url });
    onTestFinished(() => client.close());

    const { data, response } = await client.get<{ id: string }>("/users/:id", { params: { id: "7" } }).withResponse();
    expect(data).toEqual({ id: "7" });
    expect(response).toMatchObject({ status: 200, requestId: "req_42", attempts: 1, url: `${env.sim.url}/users/7` });
    expect(response.headers["content-type"]).toContain("application/json");

    const sent = await client.post("/v3/mail/send", { json: { to: "a@b.test" } }).withResponse();
    expect(sent.data).toBeUndefined();
    expect(sent.response).toMatchObject({ status: 202, requestId: "msg_1" });
    expect(sent.response.headers.etag).toBe('"v1"');
    expect(env.sim.requests).toHaveLength(2); // one request per call, withResponse or not
  });

  it("still validates with the schema and applies the transform, and is typed by them", async () => {
    env.sim.route("GET", "/good", { json: { id: "u1" } });
    env.sim.route("GET", "/bad", { json: { id: 1 } });
    const client = createClient({ baseUrl: env.sim.url });
    onTestFinished(() => client.close());
    const p = client.get("/good", { schema: userSchema, transform: (u) => u.id.toUpperCase() });
    expectTypeOf(p).toEqualTypeOf<CallPromise<string>>();
    const r = await p.withResponse();
    expectTypeOf(r.data).toEqualTypeOf<string>();
    expectTypeOf(r.response).toEqualTypeOf<ResponseInfo>();
    expect(r.data).toBe("U1");
    await expect(client.get("/bad", { schema: userSchema }).withResponse()).rejects.toSatisfy(isValidationError);
  });

  it("rejects with the same HttpError as the plain promise, and no unhandled rejection is left behind", async () => {
    env.sim.route("GET", "/missing", { status: 404, json: { error: { message: "No such customer: 'cus_x'", code: "resource_missing" } } });
    const client = createClient({ baseUrl: env.sim.url });
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on("unhandledRejection", onUnhandled);
    try {
      const err = (await client
        .get("/missing")
        .withResponse()
        .catch((e: unknown) => e)) as HttpError;
      expect(isHttpError(err)).toBe(true);
      expect(err.apiMessage).toBe("No such customer: 'cus_x'");
      await new Promise((r) => setTimeout(r, 20));
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
    await client.close();
  });
});

describe("HttpError says what the API said", () => {
  it("a Stripe-style 404 reads the API's message, code and details, with the request in the message", async () => {
    env.sim.route("GET", "/v1/customers/:id", (req) => ({
      status: 404,
      json: { error: { type: "invalid_request_error", code: "resource_missing", message: `No such customer: '${req.params.id}'`, param: "id" } },
      headers: { "request-id": "req_9" },
    }));
    const client = createClient({ baseUrl: env.sim.url, auth: bearer("sk_test_abcdefghijklmnopqrstu") });
    onTestFinished(() => client.close());
    const err = (await client.get("/v1/customers/:id", { params: { id: "cus_x" } }).catch((e: unknown) => e)) as HttpError;
    expect(err).toMatchObject({
      status: 404,
      apiCode: "resource_missing",
      apiMessage: "No such customer: 'cus_x'",
      apiDetails: { type: "invalid_request_error", param: "id" },
      requestId: "req_9",
    });
    expect(err.message).toBe(`HTTP 404 resource_missing: No such customer: 'cus_x' (GET ${env.sim.url}/v1/customers/cus_x)`);
    expect(JSON.stringify(err)).not.toContain("sk_test_abcdefghijklmnopqrstu");
  });

  it("the client's apiError reader fills apiCode, apiMessage and apiDetails", async () => {
    env.sim.route("POST", "/orders", { status: 422, json: { fault: { id: "E_QTY", text: "quantity must be positive", field: "qty" } } });
    const client = createClient({
      baseUrl: env.sim.url,
      apiError: (body, response) => {
        const f = (body as { fault?: { id: string; text: string; field: string } }).fault;
        return f ? { code: f.id, message: `${f.text} (HTTP ${response.status}, ${response.headers["content-type"]})`, details: { field: f.field } } : undefined;
      },
    });
    onTestFinished(() => client.close());
    const err = (await client.post("/orders", { json: { qty: -1 } }).catch((e: unknown) => e)) as HttpError;
    expect(err).toMatchObject({
      apiCode: "E_QTY",
      apiMessage: "quantity must be positive (HTTP 422, application/json)",
      apiDetails: { field: "qty" },
    });
    expect(err.message).toContain("HTTP 422 E_QTY: quantity must be positive");
  });

  it("an API message that echoes a secret is redacted in message, apiMessage and apiDetails", async () => {
    env.sim.route("GET", "/me", {
      status: 401,
      json: { error: { message: "Invalid API Key provided: sk_live_0123456789abcdefghij", code: "invalid_api_key", token: "tok_secret_value" } },
    });
    const client = createClient({ baseUrl: env.sim.url });
    onTestFinished(() => client.close());
    const err = (await client.get("/me").catch((e: unknown) => e)) as HttpError;
    expect(err.message).not.toContain("sk_live_0123456789abcdefghij");
    expect(err.apiMessage).toBe("Invalid API Key provided: [REDACTED]");
    expect(JSON.stringify(err.apiDetails)).not.toContain("tok_secret_value");
  });

  it("an error code inside the details (GitHub's validation errors) is kept, in apiDetails and printed", async () => {
    env.sim.route("POST", "/issues", {
      status: 422,
      json: { message: "Validation Failed", errors: [{ resource: "Issue", field: "title", code: "missing_field" }], token: "tok_secret_value" },
    });
    const client = createClient({ baseUrl: env.sim.url });
    onTestFinished(() => client.close());
    const err = (await client.post("/issues", { json: {} }).catch((e: unknown) => e)) as HttpError;
    expect(err.apiDetails).toMatchObject({ errors: [{ field: "title", code: "missing_field" }] });
    expect(JSON.stringify(err)).toContain('"code":"missing_field"');
    expect(JSON.stringify(err)).not.toContain("tok_secret_value");
  });

  it("retryable agrees with the retry rules: stripe-should-retry: false on a 500 is not retryable, and was not retried", async () => {
    env.sim.route("POST", "/charges", { status: 500, headers: { "stripe-should-retry": "false" }, json: { error: { message: "declined for good" } } });
    env.sim.route("GET", "/flaky", { status: 503, json: { message: "try again" } });
    const client = createClient({ baseUrl: env.sim.url, retry: { attempts: 2, backoff: { base: 1 } } });
    onTestFinished(() => client.close());
    const no = (await client.post("/charges", { json: {}, idempotencyKey: "k1" }).catch((e: unknown) => e)) as HttpError;
    expect(no).toMatchObject({ status: 500, retryable: false, attempts: 1 });
    const yes = (await client.get("/flaky").catch((e: unknown) => e)) as HttpError;
    expect(yes).toMatchObject({ status: 503, retryable: true, attempts: 2 });
  });

  it("a 429 asking for a wait beyond maxRetryAfter says so and carries retryAt", async () => {
    env.sim.route("GET", "/limited", { status: 429, headers: { "retry-after": "120" }, json: { message: "slow down" } });
    const client = createClient({ baseUrl: env.sim.url, retry: { maxRetryAfter: "10s" } });
    onTestFinished(() => client.close());
    const before = Date.now();
    const err = (await client.get("/limited").catch((e: unknown) => e)) as HttpError;
    expect(err).toMatchObject({ status: 429, retryable: true, attempts: 1 });
    expect(err.retryAt).toBeGreaterThanOrEqual(before + 119_000);
    expect(err.message).toContain("slow down");
    expect(err.message).toContain("not retried: the server asked to wait 120 s, longer than retry.maxRetryAfter (10000 ms)");
  });
});
