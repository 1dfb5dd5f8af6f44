import { inspect } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../../src/client/create-client.js";
import { compose } from "../../src/compose.js";
import { isReauthorizationRequiredError, type OAuth2, oauth2, type ReauthorizationEvent } from "../../src/oauth/index.js";
import { createFakeClock, type FakeClock } from "../../src/testing/fake-clock.js";
import { undiciTransport } from "../../src/transport/undici.js";
import type { Next } from "../../src/types.js";
import { apiRequest } from "../support/request.js";
import type { TestApi } from "./support/api.js";
import { authorizeInBrowser, type TestProvider } from "./support/provider.js";
import { useOAuthServers, webClientOptions } from "./support/servers.js";

const transport = undiciTransport();
const servers = useOAuthServers(transport);
let op: TestProvider;
let api: TestApi;
beforeAll(() => {
  ({ op, api } = servers);
});

const refreshRequests = () => op.tokenRequests.get("refresh_token") ?? 0;

function get(send: Next): Promise<{ status: number; body: string }> {
  const req = apiRequest(`${api.origin}/me`);
  return send(req).then(async (res) => {
    let body = "";
    for await (const chunk of res.body ?? []) body += chunk;
    return { status: res.status, body };
  });
}

async function connect(connectionId: string, events: ReauthorizationEvent[] = []): Promise<{ oauth: OAuth2; clock: FakeClock; send: Next }> {
  const clock = createFakeClock(Date.now());
  const oauth = oauth2({
    ...webClientOptions(op),
    clock,
    refreshSkew: "60s",
    onReauthorizationRequired: (e) => {
      events.push(e);
    },
  });
  await oauth.handleCallback(await authorizeInBrowser(await oauth.authorizationUrl({ connectionId })));
  return { oauth, clock, send: compose([oauth.auth(connectionId)], transport.send) };
}

describe("token lifecycle through the auth middleware, against oidc-provider", () => {
  it("50 concurrent requests with an expired token cause exactly one refresh, with rotation", async () => {
    const { oauth, clock, send } = await connect("race");
    expect((await get(send)).status).toBe(200);
    const before = await oauth.tokens.peek("race");
    const refreshesBefore = refreshRequests();

    clock.set((before?.tokens.expiresAt as number) + 1);
    const results = await Promise.all(Array.from({ length: 50 }, () => get(send)));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(refreshRequests() - refreshesBefore).toBe(1);

    const after = await oauth.tokens.peek("race");
    expect(after?.tokens.refreshToken).not.toBe(before?.tokens.refreshToken);
    expect(after?.tokens.accessToken).not.toBe(before?.tokens.accessToken);
    // The server rotated: the old refresh token is dead (and is never sent again by us).
    const reuse = await fetch(`${op.issuer}/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", authorization: `Basic ${Buffer.from(`web:${op.secrets.web}`).toString("base64")}` },
      body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: before?.tokens.refreshToken ?? "" }),
    });
    expect(reuse.status).toBe(400);
  });

  it("on a 401 for an unexpired token: one refresh, one retry, then success", async () => {
    const { oauth, send } = await connect("refused-once");
    const current = (await oauth.tokens.peek("refused-once"))?.tokens.accessToken as string;
    api.refuse.add(current);
    const hits = api.hits();
    const refreshes = refreshRequests();
    const res = await get(send);
    expect(res.status).toBe(200);
    expect(api.hits() - hits).toBe(2);
    expect(refreshRequests() - refreshes).toBe(1);
  });

  it("when the API refuses the new token too, the 401 comes back after one retry (no loop)", async () => {
    const { oauth, send } = await connect("refused-always");
    const refreshes = refreshRequests();
    const hits = api.hits();
    api.refuse.add((await oauth.tokens.peek("refused-always"))?.tokens.accessToken as string);
    // Refuse whatever comes next as well.
    const original = api.refuse.has.bind(api.refuse);
    api.refuse.has = () => true;
    try {
      const res = await get(send);
      expect(res.status).toBe(401);
      expect(api.hits() - hits).toBe(2);
      expect(refreshRequests() - refreshes).toBe(1);
    } finally {
      api.refuse.has = original;
    }
  });

  it("invalid_grant on refresh: one token request, ReauthorizationRequiredError for everyone, hook once, no retry storm", async () => {
    const events: ReauthorizationEvent[] = [];
    const { oauth, clock, send } = await connect("revoked", events);
    const record = await oauth.tokens.peek("revoked");
    // The user revoked access at the provider.
    await oauth.revoke("revoked", { token: "refresh_token", keep: true });
    clock.set((record?.tokens.expiresAt as number) + 1);
    const refreshes = refreshRequests();
    const hits = api.hits();

    const outcomes = await Promise.allSettled(Array.from({ length: 20 }, () => get(send)));
    expect(outcomes.every((o) => o.status === "rejected" && isReauthorizationRequiredError(o.reason))).toBe(true);
    expect(refreshRequests() - refreshes).toBe(1);
    expect(events.map((e) => [e.connectionId, e.reason])).toEqual([["revoked", "invalid_grant"]]);

    // Later requests fail fast: no token request, no API request.
    for (let i = 0; i < 5; i++) await expect(get(send)).rejects.toSatisfy(isReauthorizationRequiredError);
    expect(refreshRequests() - refreshes).toBe(1);
    expect(api.hits()).toBe(hits);

    // No token or secret in the error, however it is printed.
    const error = (outcomes[0] as PromiseRejectedResult).reason;
    const printed = [String(error), inspect(error, { depth: 10 }), JSON.stringify(error), inspect(error.cause, { depth: 10 })].join("\n");
    for (const secret of [record?.tokens.accessToken, record?.tokens.refreshToken, record?.tokens.idToken, op.secrets.web]) {
      expect(printed).not.toContain(secret as string);
    }
    expect(printed).toContain("invalid_grant");
  });

  it("plugs into createClient as `auth`: the client gets the parsed body, a 401 is refreshed once", async () => {
    const { oauth } = await connect("client-user");
    const client = createClient({ baseUrl: api.origin, auth: oauth.auth("client-user"), retry: false });
    try {
      expect(await client.get<{ ok: boolean; sub: string }>("/me")).toEqual({ ok: true, sub: "alice" });
      api.refuse.add((await oauth.tokens.peek("client-user"))?.tokens.accessToken as string);
      const refreshes = refreshRequests();
      expect(await client.get<{ ok: boolean }>("/me")).toMatchObject({ ok: true });
      expect(refreshRequests() - refreshes).toBe(1);
    } finally {
      await client.close();
    }
  });

  it("no token or secret reaches the client's logs, through refreshes, 401s and reauthorization", async () => {
    const lines: string[] = [];
    const log = (obj: Record<string, unknown>, msg: string) => {
      lines.push(`${msg} ${inspect(obj, { depth: 10 })}`);
    };
    const logger = { debug: log, info: log, warn: log, error: log };
    const { oauth, clock } = await connect("logged");
    const client = createClient({ baseUrl: api.origin, auth: oauth.auth("logged"), retry: false, logger: { logger, logBodies: true } });
    try {
      const first = await oauth.tokens.peek("logged");
      await client.get("/me");
      clock.set((first?.tokens.expiresAt as number) + 1);
      await client.get("/me");
      const second = await oauth.tokens.peek("logged");
      api.refuse.add(second?.tokens.accessToken as string);
      await client.get("/me");
      const third = await oauth.tokens.peek("logged");
      await oauth.revoke("logged", { token: "refresh_token", keep: true });
      clock.set((third?.tokens.expiresAt as number) + 1);
      await expect(client.get("/me")).rejects.toSatisfy(isReauthorizationRequiredError);
      expect(lines.length).toBeGreaterThan(3);
      const all = lines.join("\n");
      for (const r of [first, second, third]) {
        for (const secret of [r?.tokens.accessToken, r?.tokens.refreshToken, r?.tokens.idToken]) expect(all).not.toContain(secret as string);
      }
      expect(all).not.toContain(op.secrets.web);
    } finally {
      await client.close();
    }
  });
});
