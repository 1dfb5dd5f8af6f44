import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isConfigError } from "../../src/errors.js";
import { isOAuthError, isStateMismatchError, oauth2 } from "../../src/oauth/index.js";
import { createFakeClock } from "../../src/testing/fake-clock.js";
import { authorizeInBrowser, startProvider, type TestProvider, WEB_REDIRECT } from "./support/provider.js";
import { webClientOptions } from "./support/servers.js";

let op: TestProvider;
beforeAll(async () => {
  op = await startProvider();
});
afterAll(() => op.close());

const webClient = () =>
  oauth2({
    ...webClientOptions(op),
  });

describe("authorization code + PKCE against oidc-provider", () => {
  it("sends the user to the provider with S256 PKCE, state and nonce, and stores the tokens from the callback", async () => {
    const oauth = webClient();
    const url = new URL(await oauth.authorizationUrl({ connectionId: "user-1", extraParams: { prompt: "consent" } }));
    expect(url.searchParams.get("code_challenge_method")).toBe("S256");
    expect(url.searchParams.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get("state")).toBeTruthy();
    expect(url.searchParams.get("nonce")).toBeTruthy();
    expect(url.searchParams.get("prompt")).toBe("consent");

    const callback = await authorizeInBrowser(url.href, { user: "alice" });
    expect(callback.searchParams.get("code")).toBeTruthy();
    const result = await oauth.handleCallback(callback.href);
    expect(result.connectionId).toBe("user-1");
    expect(result.claims?.sub).toBe("alice");
    expect(result.tokens.refreshToken).toBeTruthy();
    expect(result.tokens.expiresAt).toBeGreaterThan(Date.now());
    const stored = await oauth.tokens.get("user-1");
    expect(stored.accessToken).toBe(result.tokens.accessToken);
  });

  it("accepts the callback's query as a plain object (req.query)", async () => {
    const oauth = webClient();
    const callback = await authorizeInBrowser(await oauth.authorizationUrl({ connectionId: "user-2" }));
    const result = await oauth.handleCallback(Object.fromEntries(callback.searchParams));
    expect(result.connectionId).toBe("user-2");
  });

  it("rejects a callback whose state it did not issue, and a replayed one", async () => {
    const oauth = webClient();
    const callback = await authorizeInBrowser(await oauth.authorizationUrl({ connectionId: "user-3" }));
    const forged = new URL(callback);
    forged.searchParams.set("state", "not-the-state");
    const e1 = await oauth.handleCallback(forged).catch((e) => e);
    expect(isStateMismatchError(e1)).toBe(true);
    expect(e1.reason).toBe("unknown_or_expired");

    await oauth.handleCallback(callback);
    const e2 = await oauth.handleCallback(callback).catch((e) => e);
    expect(isStateMismatchError(e2)).toBe(true);
    expect(e2.reason).toBe("already_used");

    const noState = new URL(callback);
    noState.searchParams.delete("state");
    expect((await oauth.handleCallback(noState).catch((e) => e)).reason).toBe("missing");
  });

  it("a state from another client instance (another login's session) is unknown here", async () => {
    const a = webClient();
    const b = webClient();
    const callback = await authorizeInBrowser(await a.authorizationUrl({ connectionId: "user-4" }));
    const e = await b.handleCallback(callback).catch((err) => err);
    expect(isStateMismatchError(e)).toBe(true);
  });

  it("turns a denied authorization into an OAuthError with the provider's code", async () => {
    const oauth = webClient();
    const callback = await authorizeInBrowser(await oauth.authorizationUrl({ connectionId: "user-5" }), { deny: true });
    const e = await oauth.handleCallback(callback).catch((err) => err);
    expect(isOAuthError(e)).toBe(true);
    expect(e.error).toBe("access_denied");
    expect(await oauth.tokens.status("user-5")).toBe("missing");
  });

  it("the server refuses the code without the right PKCE verifier", async () => {
    const oauth = webClient();
    const url = await oauth.authorizationUrl({ connectionId: "user-6" });
    const callback = await authorizeInBrowser(url);
    // Exchange the code ourselves with a wrong verifier: the provider must refuse it.
    const res = await fetch(`${op.issuer}/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", authorization: `Basic ${Buffer.from(`web:${op.secrets.web}`).toString("base64")}` },
      body: new URLSearchParams({
        grant_type: "authorization_code",
        code: callback.searchParams.get("code") ?? "",
        redirect_uri: WEB_REDIRECT,
        code_verifier: "x".repeat(43),
      }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe("invalid_grant");
    const res2 = await fetch(`${op.issuer}/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", authorization: `Basic ${Buffer.from(`web:${op.secrets.web}`).toString("base64")}` },
      body: new URLSearchParams({ grant_type: "authorization_code", code: callback.searchParams.get("code") ?? "", redirect_uri: WEB_REDIRECT }),
    });
    expect(res2.status).toBe(400);
  });

  it("refuses an authorization URL without PKCE at the provider (pkce.required)", async () => {
    const res = await fetch(`${op.issuer}/auth?client_id=web&response_type=code&scope=openid&redirect_uri=${encodeURIComponent(WEB_REDIRECT)}&state=s`, {
      redirect: "manual",
    });
    const location = new URL(res.headers.get("location") ?? "", op.issuer);
    expect(location.searchParams.get("error")).toBe("invalid_request");
  });

  it("an authorization URL expires after stateTtl", async () => {
    const clock = createFakeClock(Date.now());
    const oauth = oauth2({
      issuer: op.issuer,
      clientId: "web",
      clientSecret: op.secrets.web,
      redirectUri: WEB_REDIRECT,
      allowInsecureRequests: true,
      clock,
      stateTtl: "5m",
    });
    const state = new URL(await oauth.authorizationUrl({ connectionId: "slow" })).searchParams.get("state");
    await clock.advance(5 * 60_000 + 1);
    const e = await oauth.handleCallback({ code: "whatever", state }).catch((err) => err);
    expect(isStateMismatchError(e) && e.reason).toBe("unknown_or_expired");
  });

  it("refuses extraParams that would override what ballast sets, naming the option", async () => {
    const oauth = webClient();
    const e = await oauth.authorizationUrl({ connectionId: "x", extraParams: { code_challenge_method: "plain" } }).catch((err) => err);
    expect(isConfigError(e)).toBe(true);
    expect(e.message).toContain("extraParams.code_challenge_method");
  });
});
