import { beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { createClient } from "../../src/client/create-client.js";
import { isHttpError, isNetworkError, isParseError } from "../../src/errors.js";
import { apiKey } from "../../src/middleware/auth/auth.js";
import { addSecretParams, redactUrl } from "../../src/redact.js";
import { createApiSimulator } from "../../src/testing/index.js";
import { failureOf } from "../support/failure.js";
import { captureLogger, expectNoSecret } from "../support/secrets.js";
import { useSimulator } from "../support/simulator.js";

const env = useSimulator({ keep: "routes" });
beforeAll(() => {
  env.sim.route("GET", "/fail", { status: 500, json: { error: "boom" } });
  env.sim.route("GET", "/garbage", { headers: { "content-type": "application/json" }, body: "sk_live_99" });
});

describe("an API key sent in the query string never shows in errors or logs", () => {
  for (const param of ["api_token", "private_token", "hapikey", "auth_token", "user_ref"]) {
    it(`apiKey({ query: "${param}" }): HttpError and the logger's lines are redacted`, async () => {
      const secret = `sekret-${param}-0123456789`;
      const log = captureLogger();
      const c = createClient({ baseUrl: env.sim.url, auth: apiKey({ query: param, value: secret }), retry: false, logger: log.logger });
      onTestFinished(() => c.close());
      const err = await failureOf(() => c.get("/fail"));
      expect(isHttpError(err)).toBe(true);
      expectNoSecret(err, secret, { log: log.text() });
      expect((err as Error).message).toContain(`${param}=[REDACTED]`);
    });
  }

  it("a NetworkError (connection refused) is redacted too", async () => {
    const secret = "net-secret-abcdef";
    const gone = await createApiSimulator();
    const url = gone.url;
    await gone.close();
    const log = captureLogger();
    const c = createClient({ baseUrl: url, auth: apiKey({ query: "weird_name", value: secret }), retry: false, logger: log.logger });
    onTestFinished(() => c.close());
    const err = await failureOf(() => c.get("/x"));
    expect(isNetworkError(err)).toBe(true);
    expectNoSecret(err, secret, { log: log.text() });
  });

  it("a key function's value is redacted as well", async () => {
    const secret = "fn-secret-abcdef";
    const c = createClient({ baseUrl: env.sim.url, auth: apiKey({ query: "zz_cred", value: async () => secret }), retry: false });
    onTestFinished(() => c.close());
    expectNoSecret(await failureOf(() => c.get("/fail")), secret);
  });

  it("ParseError does not quote the body in its message (V8's JSON.parse message does)", async () => {
    const c = createClient({ baseUrl: env.sim.url, retry: false });
    onTestFinished(() => c.close());
    const err = await failureOf(() => c.get("/garbage"));
    expect(isParseError(err)).toBe(true);
    expect((err as Error).message).not.toContain("sk_live");
    expect((err as Error).stack).not.toContain("sk_live");
  });
});

describe("built-in secret query parameter names", () => {
  const names = [
    "api_token",
    "private_token",
    "hapikey",
    "auth_token",
    "X-Amz-Signature",
    "X-Amz-Credential",
    "X-Amz-Security-Token",
    "oauth_token",
    "oauth_signature",
    "sig",
    "se",
    "sv",
    "x-goog-signature",
    "x-goog-credential",
    "client_assertion",
    "subject_token",
    "actor_token",
    "session_id",
    "sessionid",
    "access_key",
    "secret_key",
    "apikey",
    "api-key",
  ];
  for (const name of names) {
    it(`${name} is redacted`, () => {
      expect(redactUrl(`https://h.example/p?${encodeURIComponent(name)}=SECRETVALUE&page=2`)).toBe(
        `https://h.example/p?${encodeURIComponent(name)}=[REDACTED]&page=2`,
      );
    });
  }

  it("pagination cursors stay readable", () => {
    for (const name of ["page_token", "pageToken", "next_page_token", "cursor", "starting_after"]) {
      expect(redactUrl(`/p?${name}=abc`)).toBe(`/p?${name}=abc`);
    }
  });

  it("users add their own names, case-insensitively", () => {
    expect(redactUrl("/p?Shop_Ref_X=abc")).toBe("/p?Shop_Ref_X=abc");
    addSecretParams("shop_ref_x");
    expect(redactUrl("/p?Shop_Ref_X=abc")).toBe("/p?Shop_Ref_X=[REDACTED]");
  });
});

describe("HttpError body and headers are redacted when printed", () => {
  it("echoed credentials in a JSON error body do not show in toJSON or inspect; err.body stays whole for code", async () => {
    env.sim.route("POST", "/echo", {
      status: 400,
      headers: { "x-echo-authorization": "Bearer echoed-tok-999" },
      json: { error: "bad", access_token: "echoed-tok-123", nested: { password: "pw-echo-456", authorization: "Bearer echoed-tok-789" } },
    });
    const c = createClient({ baseUrl: env.sim.url, retry: false });
    onTestFinished(() => c.close());
    const err = await failureOf(() => c.post("/echo", { json: {} }));
    expect(isHttpError(err)).toBe(true);
    for (const s of ["echoed-tok-123", "pw-echo-456", "echoed-tok-789", "echoed-tok-999"]) expectNoSecret(err, s);
    expect((err as { body: { access_token: string } }).body.access_token).toBe("echoed-tok-123");
  });

  it("a text error body gets the excerpt's redaction", async () => {
    env.sim.route("POST", "/echo-text", {
      status: 400,
      headers: { "content-type": "text/plain" },
      body: "error: access_token=echoed-text-tok&password=pw-text-1",
    });
    const c = createClient({ baseUrl: env.sim.url, retry: false });
    onTestFinished(() => c.close());
    const err = await failureOf(() => c.post("/echo-text", { json: {} }));
    for (const s of ["echoed-text-tok", "pw-text-1"]) expectNoSecret(err, s);
  });
});
