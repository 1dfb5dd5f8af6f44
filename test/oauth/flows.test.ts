import { decodeProtectedHeader, exportPKCS8, generateKeyPair, jwtVerify } from "jose";
import { beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { compose } from "../../src/compose.js";
import { isConfigError } from "../../src/errors.js";
import { isDeviceAuthorizationError, isOAuthError, jwtAssertion, oauth2 } from "../../src/oauth/index.js";
import { createFakeClock } from "../../src/testing/fake-clock.js";
import { undiciTransport } from "../../src/transport/undici.js";
import { bodyOf, startServer } from "../support/http-server.js";
import { apiRequest } from "../support/request.js";
import { waitFor } from "../support/wait.js";
import type { TestApi } from "./support/api.js";
import { authorizeInBrowser, confirmDeviceCode, type TestProvider } from "./support/provider.js";
import { useOAuthServers, webClientOptions } from "./support/servers.js";

const transport = undiciTransport();
const servers = useOAuthServers(transport);
let op: TestProvider;
let api: TestApi;
beforeAll(() => {
  ({ op, api } = servers);
});

const grants = (type: string) => op.tokenRequests.get(type) ?? 0;

describe("client credentials", () => {
  it("gets a token, caches it until shortly before expiry, then gets a new one", async () => {
    const clock = createFakeClock(Date.now());
    const oauth = oauth2({
      issuer: op.issuer,
      clientId: "svc",
      clientSecret: op.secrets.svc,
      clientAuthentication: "client_secret_post",
      scopes: ["api:read"],
      allowInsecureRequests: true,
      clock,
    });
    const before = grants("client_credentials");
    const a = await oauth.clientCredentials();
    const b = await oauth.clientCredentials();
    expect(b.accessToken).toBe(a.accessToken);
    expect(grants("client_credentials") - before).toBe(1);
    clock.set((a.expiresAt as number) - 59_000);
    const c = await oauth.clientCredentials();
    expect(c.accessToken).not.toBe(a.accessToken);
    expect(grants("client_credentials") - before).toBe(2);
    // Concurrent first requests for another scope set share one token request.
    const many = await Promise.all(Array.from({ length: 20 }, () => oauth.clientCredentials({ scopes: ["api:write"] })));
    expect(new Set(many.map((t) => t.accessToken)).size).toBe(1);
    expect(grants("client_credentials") - before).toBe(3);
  });

  it("as middleware, the API accepts the token", async () => {
    const oauth = oauth2({
      issuer: op.issuer,
      clientId: "svc",
      clientSecret: op.secrets.svc,
      clientAuthentication: "client_secret_post",
      allowInsecureRequests: true,
    });
    const send = compose([oauth.clientCredentialsAuth({ scopes: ["api:read"] })], transport.send);
    const res = await send(apiRequest(`${api.origin}/x`));
    expect(res.status).toBe(200);
    res.body?.resume();
  });

  it("authenticates with private_key_jwt", async () => {
    const oauth = oauth2({
      issuer: op.issuer,
      clientId: "pkjwt",
      privateKey: { key: op.clientKey.privateJwk, kid: op.clientKey.kid, alg: "ES256" },
      allowInsecureRequests: true,
    });
    const t = await oauth.clientCredentials({ scopes: ["api:read"] });
    expect(t.accessToken).toBeTruthy();
  });

  it("authenticates with client_secret_jwt", async () => {
    const oauth = oauth2({
      issuer: op.issuer,
      clientId: "csjwt",
      clientSecret: op.secrets.csjwt,
      clientAuthentication: "client_secret_jwt",
      allowInsecureRequests: true,
    });
    expect((await oauth.clientCredentials({ scopes: ["api:read"] })).accessToken).toBeTruthy();
  });

  it("a wrong client secret is an OAuthError (invalid_client) without the secret in it", async () => {
    const oauth = oauth2({
      issuer: op.issuer,
      clientId: "svc",
      clientSecret: "wrong-secret-value-123",
      clientAuthentication: "client_secret_post",
      allowInsecureRequests: true,
    });
    const e = await oauth.clientCredentials().catch((err) => err);
    expect(isOAuthError(e)).toBe(true);
    expect(e.error).toBe("invalid_client");
    expect(e.status).toBe(401);
    expect(JSON.stringify(e) + String(e) + e.stack).not.toContain("wrong-secret-value-123");
  });
});

describe("explicit endpoints (no discovery)", () => {
  it("works with the token endpoint given directly", async () => {
    const oauth = oauth2({
      endpoints: { issuer: op.issuer, token: `${op.issuer}/token`, revocation: `${op.issuer}/token/revocation` },
      clientId: "svc",
      clientSecret: op.secrets.svc,
      clientAuthentication: "client_secret_post",
      allowInsecureRequests: true,
    });
    expect((await oauth.clientCredentials({ scopes: ["api:read"] })).accessToken).toBeTruthy();
  });

  it("refuses http endpoints unless allowed, and names the option", () => {
    const e = (() => {
      try {
        oauth2({ endpoints: { token: "http://example.com/token" }, clientId: "x" });
      } catch (err) {
        return err;
      }
    })() as Error;
    expect(isConfigError(e)).toBe(true);
    expect(e.message).toContain("endpoints.token");
    expect(() => oauth2({ clientId: "x" } as never)).toThrow(/issuer/);
    expect(() => oauth2({ issuer: "https://a.example", clientId: "x", clientAuthentication: "client_secret_basic" })).toThrow(/clientSecret/);
  });
});

describe("refresh and revocation", () => {
  it("refresh() rotates the refresh token; revoke() kills it at the server and deletes the record", async () => {
    const oauth = oauth2({
      ...webClientOptions(op),
    });
    await oauth.handleCallback(await authorizeInBrowser(await oauth.authorizationUrl({ connectionId: "r1" })));
    const first = await oauth.tokens.peek("r1");
    const refreshed = await oauth.refresh("r1");
    expect(refreshed.refreshToken).not.toBe(first?.tokens.refreshToken);
    const again = await oauth.refresh("r1");
    expect(again.refreshToken).not.toBe(refreshed.refreshToken);

    const revocations = op.revocations();
    await oauth.revoke("r1");
    expect(op.revocations() - revocations).toBe(2);
    expect(await oauth.tokens.status("r1")).toBe("missing");
    expect(await op.provider.RefreshToken.find(again.refreshToken)).toBeUndefined();
  });
});

describe("device authorization grant (RFC 8628)", () => {
  it("shows a user code, polls while the user confirms, and stores the tokens", async () => {
    // The provider asks for 5 s between polls; a fake clock skips the waiting.
    const clock = createFakeClock(Date.now());
    const oauth = oauth2({ issuer: op.issuer, clientId: "cli", scopes: ["openid", "offline_access"], allowInsecureRequests: true, clock });
    const device = await oauth.deviceAuthorization({ connectionId: "laptop" });
    expect(device.userCode).toMatch(/\S+/);
    expect(device.verificationUri).toContain(op.issuer);
    const polls = () => grants("urn:ietf:params:oauth:grant-type:device_code");
    const before = polls();
    let settled = false;
    const pending = device.wait().finally(() => {
      settled = true;
    });
    // Before the user confirms, a poll gets authorization_pending and waiting goes on.
    await waitFor(() => clock.pending() > 0, { what: "the next poll to be scheduled" });
    await clock.advance(5_000);
    await waitFor(() => polls() > before, { what: "another poll of the token endpoint" });
    expect(settled).toBe(false);
    await confirmDeviceCode(device.verificationUri, device.userCode, { user: "bob" });
    await waitFor(() => clock.pending() > 0, { what: "the next poll to be scheduled" });
    await clock.advance(5_000);
    const tokens = await pending;
    expect(tokens.accessToken).toBeTruthy();
    expect((await oauth.tokens.get("laptop")).accessToken).toBe(tokens.accessToken);
    expect(polls() - before).toBe(2);
  });

  it("a device code that expires ends with DeviceAuthorizationError", async () => {
    const clock = createFakeClock(Date.now());
    const oauth = oauth2({ issuer: op.issuer, clientId: "cli", scopes: ["openid"], allowInsecureRequests: true, clock });
    const device = await oauth.deviceAuthorization({ connectionId: "late" });
    const waiting = device.wait().catch((e) => e);
    await clock.advance(device.expiresAt - clock.now() + 10_000);
    const e = await waiting;
    expect(isDeviceAuthorizationError(e)).toBe(true);
    expect(e.error).toBe("expired_token");
  });
});

describe("loopback redirect login (RFC 8252)", () => {
  it("listens on 127.0.0.1 on any port, receives the callback and stores the tokens", async () => {
    const oauth = oauth2({ issuer: op.issuer, clientId: "cli", scopes: ["openid", "offline_access"], allowInsecureRequests: true });
    let shown = "";
    const result = await oauth.loopbackLogin({
      connectionId: "cli-user",
      open: async (url) => {
        shown = url;
        const callback = await authorizeInBrowser(url, { user: "carol" });
        expect(callback.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
        // The browser follows the redirect to the local listener.
        const page = await fetch(callback);
        expect(page.status).toBe(200);
        expect(await page.text()).toContain("Signed in");
      },
    });
    expect(new URL(shown).searchParams.get("redirect_uri")).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    expect(result.connectionId).toBe("cli-user");
    expect(result.claims?.sub).toBe("carol");
  });
});

describe("JWTs: jwtAssertion() and the JWT bearer grant (RFC 7523)", () => {
  it("signs short-lived GitHub-App-style JWTs (RS256) with backdated iat", async () => {
    const { publicKey, privateKey } = await generateKeyPair("RS256", { extractable: true });
    const clock = createFakeClock(1_700_000_000_000);
    const app = jwtAssertion({ privateKey: await exportPKCS8(privateKey), issuer: "123456", expiresIn: "9m", backdate: "60s", jti: false, clock });
    const jwt = await app.sign();
    const { payload, protectedHeader } = await jwtVerify(jwt, publicKey, { currentDate: new Date(clock.now()) });
    expect(protectedHeader.alg).toBe("RS256");
    expect(payload.iss).toBe("123456");
    expect(payload.iat).toBe(1_700_000_000 - 60);
    expect(payload.exp).toBe(1_700_000_000 + 540);
    expect(payload.jti).toBeUndefined();
  });

  it("ES256 with kid, audience, subject and a unique jti each time; the middleware reuses one until near expiry", async () => {
    const { privateKey } = await generateKeyPair("ES256");
    const clock = createFakeClock(1_700_000_000_000);
    const signer = jwtAssertion({
      privateKey,
      alg: "ES256",
      kid: "k1",
      issuer: "client",
      subject: "client",
      audience: "https://as.example/token",
      expiresIn: "5m",
      clock,
    });
    const a = await signer.sign();
    const b = await signer.sign();
    expect(decodeProtectedHeader(a)).toMatchObject({ alg: "ES256", kid: "k1" });
    expect(a).not.toBe(b);
    const seen: string[] = [];
    const send = compose([signer.auth], async (req) => {
      seen.push(req.headers.authorization as string);
      return { status: 200, headers: {}, body: null, request: req, attempts: 1 };
    });
    const req = apiRequest("http://x/");
    await send(req);
    await send(req);
    await clock.advance(241_000);
    await send(req);
    expect(seen[0]).toBe(seen[1]);
    expect(seen[2]).not.toBe(seen[1]);
  });

  it("exchanges an assertion at a token endpoint with the jwt-bearer grant", async () => {
    let received: URLSearchParams | undefined;
    const server = await startServer(async (req, res) => {
      received = new URLSearchParams(await bodyOf(req));
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ access_token: "from-assertion", token_type: "Bearer", expires_in: 300 }));
    });
    onTestFinished(() => server.close());
    const { origin } = server;
    const oauth = oauth2({ endpoints: { token: `${origin}/token` }, clientId: "svc", clientSecret: "s3cr3t-value", allowInsecureRequests: true });
    const { privateKey } = await generateKeyPair("RS256");
    const assertion = await jwtAssertion({ privateKey, issuer: "svc", subject: "user@example.com", audience: `${origin}/token` }).sign();
    const tokens = await oauth.jwtBearer({ assertion, scopes: ["read"], connectionId: "delegated" });
    expect(tokens.accessToken).toBe("from-assertion");
    expect(received?.get("grant_type")).toBe("urn:ietf:params:oauth:grant-type:jwt-bearer");
    expect(received?.get("assertion")).toBe(assertion);
    expect(received?.get("scope")).toBe("read");
    expect((await oauth.tokens.peek("delegated"))?.grant).toBe("jwt_bearer");
  });

  it("validates its options", () => {
    expect(() => jwtAssertion({ privateKey: "x", issuer: "" })).toThrow(/jwtAssertion\.issuer/);
    expect(() => jwtAssertion({ privateKey: "x", issuer: "a", alg: "HS256" as never })).toThrow(/jwtAssertion\.alg/);
    expect(() => jwtAssertion({ privateKey: "x", issuer: "a", claims: { exp: 1 } })).toThrow(/claims\.exp/);
  });

  it("a bad key is a ConfigError that does not echo the key", async () => {
    const e = await jwtAssertion({ privateKey: "-----BEGIN PRIVATE KEY-----\nTOP-SECRET-MATERIAL\n-----END PRIVATE KEY-----", issuer: "a" })
      .sign()
      .catch((err) => err);
    expect(isConfigError(e)).toBe(true);
    expect(String(e)).not.toContain("TOP-SECRET-MATERIAL");
  });
});
