import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import Database from "better-sqlite3";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import {
  type EncryptedTokenStore,
  type EncryptionOptions,
  encryptedTokenStore,
  generateEncryptionKey,
  isTokenDecryptionError,
  memoryTokenStore,
  redisTokenStore,
  sqlTokenStore,
  type TokenRecord,
} from "../../src/oauth/index.js";
import { memoryCiphertextBackend } from "../../src/oauth/token-stores/memory.js";
import { usePostgresSchema, useRedis } from "../support/databases.js";
import { describePostgres, describeRedis } from "../support/services.js";

const ACCESS = "ya29.ACCESS-TOKEN-SECRET-VALUE-1234567890";
const REFRESH = "1//REFRESH-TOKEN-SECRET-VALUE-0987654321";
const ID_TOKEN = "eyJhbGciOiJSUzI1NiJ9.ID-TOKEN-PAYLOAD.SIG";

const record = (suffix = ""): TokenRecord => ({
  tokens: {
    accessToken: ACCESS + suffix,
    refreshToken: REFRESH + suffix,
    idToken: ID_TOKEN,
    tokenType: "bearer",
    expiresAt: 1_800_000_000_000,
    scope: "openid",
  },
  grant: "authorization_code",
  scopes: ["openid"],
  updatedAt: 1,
});

const k1 = generateEncryptionKey();
const k2 = generateEncryptionKey();
const keysV1: EncryptionOptions = { keys: { k1 }, current: "k1" };
const keysV2: EncryptionOptions = { keys: { k1, k2 }, current: "k2" };
const onlyV2: EncryptionOptions = { keys: { k2 }, current: "k2" };

interface Harness {
  /** A store over the same underlying data with the given keys. */
  open(encryption: EncryptionOptions): EncryptedTokenStore;
  /** Everything held at rest, as text. */
  raw(): Promise<string>;
}

/** The contract every token store implementation runs unchanged. */
function tokenStoreContract(name: string, harness: () => Harness) {
  describe(`${name} token store`, () => {
    it("round-trips a record and bumps the version on every write", async () => {
      const h = harness();
      const store = h.open(keysV1);
      expect(await store.get("c1")).toBeUndefined();
      expect(await store.put("c1", record())).toBe(true);
      const first = await store.get("c1");
      expect(first?.value).toEqual(record());
      expect(await store.put("c1", record("-2"))).toBe(true);
      const second = await store.get("c1");
      expect(second?.value.tokens.accessToken).toBe(`${ACCESS}-2`);
      expect(second?.version).toBe((first?.version ?? 0) + 1);
    });

    it("writes with an expected version only if nobody wrote since (compare-and-set)", async () => {
      const store = harness().open(keysV1);
      expect(await store.put("c2", record(), 0)).toBe(true);
      expect(await store.put("c2", record("-x"), 0)).toBe(false);
      const v = (await store.get("c2"))?.version as number;
      expect(await store.put("c2", record("-a"), v)).toBe(true);
      expect(await store.put("c2", record("-b"), v)).toBe(false);
      expect((await store.get("c2"))?.value.tokens.accessToken).toBe(`${ACCESS}-a`);
    });

    it("deletes", async () => {
      const store = harness().open(keysV1);
      await store.put("c3", record());
      await store.delete("c3");
      expect(await store.get("c3")).toBeUndefined();
    });

    it("holds no token in the clear at rest", async () => {
      const h = harness();
      const store = h.open(keysV1);
      await store.put("c4", record());
      const raw = await h.raw();
      expect(raw.length).toBeGreaterThan(0);
      for (const secret of [ACCESS, REFRESH, ID_TOKEN, "SECRET-VALUE", "ID-TOKEN-PAYLOAD"]) expect(raw).not.toContain(secret);
      expect(raw).toContain("bt1.k1.");
    });

    it("rotates keys: reads old records, writes with the new key, re-encrypts the rest", async () => {
      const h = harness();
      await h.open(keysV1).put("r1", record("-1"));
      await h.open(keysV1).put("r2", record("-2"));
      const rotated = h.open(keysV2);
      expect((await rotated.get("r1"))?.value.tokens.accessToken).toBe(`${ACCESS}-1`);
      await rotated.put("r1", record("-1b"));
      expect((await rotated.reencrypt()).reencrypted).toBeGreaterThanOrEqual(1);
      // Now the old key can go.
      const newOnly = h.open(onlyV2);
      expect((await newOnly.get("r1"))?.value.tokens.accessToken).toBe(`${ACCESS}-1b`);
      expect((await newOnly.get("r2"))?.value.tokens.accessToken).toBe(`${ACCESS}-2`);
    });

    it("a missing or wrong key is a clear error, never garbage", async () => {
      const h = harness();
      await h.open(keysV1).put("w1", record());
      const missing = await h
        .open(onlyV2)
        .get("w1")
        .catch((e) => e);
      expect(isTokenDecryptionError(missing)).toBe(true);
      expect(missing.reason).toBe("unknown_key");
      expect(missing.message).toContain('"k1"');
      const wrong = await h
        .open({ keys: { k1: generateEncryptionKey() }, current: "k1" })
        .get("w1")
        .catch((e) => e);
      expect(isTokenDecryptionError(wrong)).toBe(true);
      expect(wrong.reason).toBe("wrong_key_or_tampered");
      for (const e of [missing, wrong]) {
        expect(inspect(e)).not.toContain(k1);
        expect(JSON.stringify(e)).not.toContain(k1);
      }
    });
  });
}

describe("encryption options", () => {
  it("are checked at construction and name the option", () => {
    expect(() => memoryTokenStore({ encryption: { keys: { k1: "short" }, current: "k1" } })).toThrow(/memoryTokenStore\.encryption\.keys\.k1.*32 bytes/);
    expect(() => memoryTokenStore({ encryption: { keys: { k1 }, current: "k9" } })).toThrow(/current/);
    expect(() => redisTokenStore(new Redis({ lazyConnect: true }), undefined as never)).toThrow(/redisTokenStore\.encryption.*required/);
  });

  it("a ciphertext moved to another connection id does not decrypt (bound to the id)", async () => {
    const backend = memoryCiphertextBackend();
    const store = encryptedTokenStore(backend, keysV1);
    await store.put("alice", record());
    const stolen = backend.raw().get("alice");
    await backend.put("mallory", stolen?.value as string);
    const e = await store.get("mallory").catch((err) => err);
    expect(isTokenDecryptionError(e) && e.reason).toBe("wrong_key_or_tampered");
  });
});

tokenStoreContract("memory", () => {
  const backend = memoryCiphertextBackend();
  return {
    open: (encryption) => encryptedTokenStore(backend, encryption),
    raw: async () => JSON.stringify([...backend.raw()]),
  };
});

const dir = mkdtempSync(join(tmpdir(), "ballast-oauth-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let sqliteCount = 0;
tokenStoreContract("SQLite", () => {
  const file = join(dir, `tokens-${sqliteCount++}.db`);
  const db = new Database(file);
  db.pragma("journal_mode = DELETE");
  return {
    open: (encryption) => sqlTokenStore(db, { encryption }),
    raw: async () => JSON.stringify(db.prepare("SELECT * FROM ballast_oauth_tokens").all()) + readFileSync(file).toString("latin1"),
  };
});

describeRedis("Redis", () => {
  const { redis, nextPrefix } = useRedis("oauth_tokens");
  tokenStoreContract("Redis", () => {
    const p = nextPrefix();
    return {
      open: (encryption) => redisTokenStore(redis, { encryption, prefix: p }),
      raw: async () => {
        const out: string[] = [];
        for (const key of await redis.keys(`${p}*`)) out.push(key, JSON.stringify(await redis.hgetall(key)));
        return out.join("\n");
      },
    };
  });
});

describePostgres("PostgreSQL", () => {
  const { pool, schema } = usePostgresSchema("oauth");
  let n = 0;
  tokenStoreContract("PostgreSQL", () => {
    const table = `${schema}.tokens_${n++}`;
    return {
      open: (encryption) => sqlTokenStore(pool, { encryption, table }),
      raw: async () => JSON.stringify((await pool.query(`SELECT * FROM ${table}`)).rows),
    };
  });
});
