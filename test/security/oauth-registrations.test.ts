import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { createClient } from "../../src/client/create-client.js";
import {
  type EncryptedTokenStore,
  type EncryptionOptions,
  generateEncryptionKey,
  isStateMismatchError,
  memoryTokenStore,
  oauth2,
  redisTokenStore,
  sqlTokenStore,
  type TokenRecord,
} from "../../src/oauth/index.js";
import { memoryStore } from "../../src/stores/memory.js";
import type { Store } from "../../src/stores/types.js";
import { usePostgresSchema, useRedis } from "../support/databases.js";
import { startServer } from "../support/http-server.js";
import { describePostgres, describeRedis } from "../support/services.js";

/** A tiny authorization server + API per provider, on loopback: tokens are `<name>-tok-<n>`; it records what it received. */
interface Provider {
  name: string;
  issuer: string;
  tokenForms: URLSearchParams[];
  apiSaw: string[];
  close(): Promise<void>;
}

async function provider(name: string): Promise<Provider> {
  let n = 0;
  const tokenForms: URLSearchParams[] = [];
  const apiSaw: string[] = [];
  const server = await startServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.url === "/token") {
        tokenForms.push(new URLSearchParams(Buffer.concat(chunks).toString()));
        res
          .writeHead(200, { "content-type": "application/json" })
          .end(JSON.stringify({ access_token: `${name}-tok-${++n}`, token_type: "Bearer", expires_in: 3600 }));
        return;
      }
      apiSaw.push(req.headers.authorization ?? "");
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ provider: name }));
    });
  });
  return { name, issuer: server.origin, tokenForms, apiSaw, close: server.close };
}

let a: Provider;
let b: Provider;
beforeAll(async () => {
  [a, b] = await Promise.all([provider("A"), provider("B")]);
});
afterAll(async () => {
  await Promise.all([a.close(), b.close()]);
});

const encryption: EncryptionOptions = { keys: { k: generateEncryptionKey() }, current: "k" };

function registration(p: Provider, tokenStore: EncryptedTokenStore, store: Store, clientId = "app") {
  return oauth2({
    endpoints: { issuer: p.issuer, authorization: `${p.issuer}/authorize`, token: `${p.issuer}/token` },
    clientId,
    clientSecret: `${p.name}-secret-0123456789`,
    redirectUri: "http://127.0.0.1/callback",
    tokenStore,
    store,
    allowInsecureRequests: true,
  });
}

const legacyRecord = (accessToken: string): TokenRecord => ({
  tokens: { accessToken, tokenType: "Bearer", expiresAt: Date.now() + 3_600_000 },
  grant: "authorization_code",
  scopes: [],
  updatedAt: 1,
});

function registrationsSuite(kind: string, open: () => EncryptedTokenStore | Promise<EncryptedTokenStore>) {
  describe(`two providers sharing one ${kind} token store`, () => {
    it("client credentials: each provider's API receives only its own provider's token", async () => {
      const tokens = await open();
      const store = memoryStore();
      const A = registration(a, tokens, store);
      const B = registration(b, tokens, store);
      const apiA = createClient({ baseUrl: a.issuer, auth: A.clientCredentialsAuth(), retry: false });
      const apiB = createClient({ baseUrl: b.issuer, auth: B.clientCredentialsAuth(), retry: false });
      onTestFinished(() => apiB.close());
      a.apiSaw.length = 0;
      b.apiSaw.length = 0;
      await apiA.get("/api");
      await apiB.get("/api");
      expect(a.apiSaw.every((h) => h.startsWith("Bearer A-tok-"))).toBe(true);
      expect(b.apiSaw.every((h) => h.startsWith("Bearer B-tok-"))).toBe(true);
      expect(b.apiSaw).toHaveLength(1);
      await apiA.close();
    });

    it("the same connection id under two providers holds two separate records", async () => {
      const tokens = await open();
      const store = memoryStore();
      const A = registration(a, tokens, store);
      const B = registration(b, tokens, store);
      const far = Date.now() + 3_600_000;
      await A.tokens.set("user-1", { accessToken: "A-user-token", tokenType: "Bearer", expiresAt: far });
      await expect(B.tokens.get("user-1")).rejects.toMatchObject({ code: "BALLAST_OAUTH_REAUTHORIZATION_REQUIRED" });
      await B.tokens.set("user-1", { accessToken: "B-user-token", tokenType: "Bearer", expiresAt: far });
      expect((await A.tokens.get("user-1")).accessToken).toBe("A-user-token");
      expect((await B.tokens.get("user-1")).accessToken).toBe("B-user-token");
    });

    it("two client ids at the same issuer are namespaced apart too", async () => {
      const tokens = await open();
      const store = memoryStore();
      const one = registration(a, tokens, store, "client-one");
      const two = registration(a, tokens, store, "client-two");
      const first = await one.clientCredentials();
      const second = await two.clientCredentials();
      expect(second.accessToken).not.toBe(first.accessToken);
    });

    it("migration: a record stored by 0.1 (un-namespaced) moves into the registration that claims it, re-encrypted", async () => {
      const tokens = await open();
      const A = registration(a, tokens, memoryStore());
      await tokens.put("legacy-user", legacyRecord("A-legacy-token"));
      // Not used silently: it could belong to another provider that shared the store.
      await expect(A.tokens.get("legacy-user")).rejects.toMatchObject({ error: "ballast_unmigrated_token" });
      const report = await A.migrateTokens();
      expect(report).toMatchObject({ migrated: 1, failed: [] });
      expect((await A.tokens.get("legacy-user")).accessToken).toBe("A-legacy-token");
      expect(await tokens.get("legacy-user")).toBeUndefined();
      // Idempotent: nothing left to move.
      expect((await A.migrateTokens()).migrated).toBe(0);
    });

    it("migration can name the connections that belong to a registration", async () => {
      const tokens = await open();
      const A = registration(a, tokens, memoryStore());
      const B = registration(b, tokens, memoryStore());
      await tokens.put("of-a", legacyRecord("A-1"));
      await tokens.put("of-b", legacyRecord("B-1"));
      expect((await A.migrateTokens({ connectionIds: ["of-a"] })).migrated).toBe(1);
      expect((await B.migrateTokens()).migrated).toBe(1);
      expect((await A.tokens.get("of-a")).accessToken).toBe("A-1");
      expect((await B.tokens.get("of-b")).accessToken).toBe("B-1");
      await expect(B.tokens.get("of-a")).rejects.toMatchObject({ code: "BALLAST_OAUTH_REAUTHORIZATION_REQUIRED" });
    });
  });
}

describe("state is bound to the instance that created it", () => {
  it("B.handleCallback refuses A's state, sends nothing to B's token endpoint, and A can still finish", async () => {
    const store = memoryStore();
    const tokens = memoryTokenStore();
    const A = registration(a, tokens, store);
    const B = registration(b, tokens, store);
    const url = new URL(await A.authorizationUrl({ connectionId: "u" }));
    const state = url.searchParams.get("state") as string;
    const before = b.tokenForms.length;
    const err = await B.handleCallback({ code: "code-from-A", state }).catch((e: unknown) => e);
    expect(isStateMismatchError(err)).toBe(true);
    expect(b.tokenForms.length).toBe(before);
    const done = await A.handleCallback({ code: "code-from-A", state });
    expect(done.tokens.accessToken).toMatch(/^A-tok-/);
    const form = a.tokenForms.at(-1) as URLSearchParams;
    expect(form.get("code")).toBe("code-from-A");
  });
});

registrationsSuite("memory", () => memoryTokenStore({ encryption }));

const dir = mkdtempSync(join(tmpdir(), "ballast-registrations-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
registrationsSuite("SQLite", () => sqlTokenStore(new Database(join(dir, `t${files++}.db`)), { encryption }));

describeRedis("Redis", () => {
  const { redis, nextPrefix } = useRedis("registrations");
  registrationsSuite("Redis", () => redisTokenStore(redis, { encryption, prefix: nextPrefix() }));
});

describePostgres("PostgreSQL", () => {
  const { pool, schema } = usePostgresSchema("registrations");
  let n = 0;
  registrationsSuite("PostgreSQL", () => sqlTokenStore(pool, { encryption, table: `${schema}.tokens_${n++}` }));
});
