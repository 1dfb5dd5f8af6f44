import { beforeEach, describe, expect, it, onTestFinished } from "vitest";
import { createClient } from "../../src/client/create-client.js";
import { isHttpError } from "../../src/errors.js";
import { oauth2 } from "../../src/oauth/index.js";
import { createFakeClock } from "../../src/testing/fake-clock.js";
import { useServer } from "../support/http-server.js";

/** An authorization server issuing tokens of `lifetime` seconds, and an API that accepts them (or refuses everything). */
let lifetime = 30;
let apiRefusesAll = false;
let grants = 0;
let apiCalls = 0;
const server = useServer((req, res) => {
  req.resume();
  req.on("end", () => {
    if (req.url === "/token") {
      grants++;
      res
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ access_token: `tok-${grants}`, token_type: "Bearer", expires_in: lifetime }));
      return;
    }
    apiCalls++;
    if (apiRefusesAll) res.writeHead(401, { "www-authenticate": 'Bearer error="invalid_token"' }).end();
    else res.writeHead(200, { "content-type": "application/json" }).end("{}");
  });
});
beforeEach(() => {
  grants = 0;
  apiCalls = 0;
  apiRefusesAll = false;
});

function setup() {
  const clock = createFakeClock(Date.now());
  const oauth = oauth2({
    endpoints: { token: `${server.origin}/token` },
    clientId: "svc",
    clientSecret: "svc-secret-0123456789",
    allowInsecureRequests: true,
    clock,
  });
  const api = createClient({ baseUrl: server.origin, auth: oauth.clientCredentialsAuth(), retry: false });
  return { clock, oauth, api };
}

describe("tokens that live no longer than refreshSkew", () => {
  for (const seconds of [30, 60, 2]) {
    it(`a ${seconds} s token is fetched once for 10 calls (the skew shrinks to half its lifetime)`, async () => {
      lifetime = seconds;
      const { api } = setup();
      for (let i = 0; i < 10; i++) await api.get("/api");
      expect(grants).toBe(1);
      await api.close();
    });
  }

  it("it is refreshed once past half its lifetime", async () => {
    lifetime = 30;
    const { api, clock } = setup();
    onTestFinished(() => api.close());
    await api.get("/api");
    await clock.advance(14_000);
    await api.get("/api");
    expect(grants).toBe(1);
    await clock.advance(2_000);
    await api.get("/api");
    await api.get("/api");
    expect(grants).toBe(2);
  });

  it("a long-lived token still refreshes refreshSkew (60 s) before expiry", async () => {
    lifetime = 3600;
    const { api, clock } = setup();
    onTestFinished(() => api.close());
    await api.get("/api");
    await clock.advance(3_600_000 - 61_000);
    await api.get("/api");
    expect(grants).toBe(1);
    await clock.advance(2_000);
    await api.get("/api");
    expect(grants).toBe(2);
  });
});

describe("an API that refuses every token", () => {
  it("does not cause one refresh per call: refreshes back off and the 401 surfaces as an HttpError", async () => {
    lifetime = 3600;
    apiRefusesAll = true;
    const { api, clock } = setup();
    onTestFinished(() => api.close());
    const errors: unknown[] = [];
    for (let i = 0; i < 10; i++) errors.push(await api.get("/api").catch((e: unknown) => e));
    expect(errors.every((e) => isHttpError(e) && e.status === 401)).toBe(true);
    // The first token, one refresh after the first 401; then nothing until the backoff passes.
    expect(grants).toBe(2);
    expect(apiCalls).toBeLessThanOrEqual(12);
    await clock.advance(1_100);
    await api.get("/api").catch(() => undefined);
    expect(grants).toBe(3);
    // The backoff doubles while the refusals go on.
    await clock.advance(1_100);
    await api.get("/api").catch(() => undefined);
    expect(grants).toBe(3);
    await clock.advance(1_000);
    await api.get("/api").catch(() => undefined);
    expect(grants).toBe(4);
  });

  it("once the API accepts tokens again, a later refusal refreshes at once", async () => {
    lifetime = 3600;
    apiRefusesAll = true;
    const { api, clock } = setup();
    onTestFinished(() => api.close());
    for (let i = 0; i < 3; i++) await api.get("/api").catch(() => undefined);
    expect(grants).toBe(2);
    apiRefusesAll = false;
    await clock.advance(60_000);
    await api.get("/api");
    const before = grants;
    apiRefusesAll = true;
    await api.get("/api").catch(() => undefined);
    expect(grants).toBe(before + 1);
  });
});
