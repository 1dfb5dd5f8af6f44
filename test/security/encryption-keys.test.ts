import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { isConfigError } from "../../src/errors.js";
import { type EncryptionOptions, encryptedTokenStore, generateEncryptionKey, sqlTokenStore, type TokenRecord, tokenCipher } from "../../src/oauth/index.js";
import { memoryCiphertextBackend } from "../../src/oauth/token-stores/memory.js";
import { thrownBy } from "../support/failure.js";

describe("encryption keys must be real key bytes", () => {
  const passphrases = [
    "correcthorsebatterystaplecorrecthorsebatte", // 42
    "correcthorsebatterystaplecorrecthorsebatter", // 43 lowercase: decodes to 32 bytes
    "CORRECTHORSEBATTERYSTAPLECORRECTHORSEBATTER",
    "my super secret passphrase for tokens 2024!",
    "my-super-secret-passphrase-for-tokens-2024!",
    "0123456789012345678901234567890123456789012",
  ];
  for (const key of passphrases) {
    it(`refuses ${JSON.stringify(key)} (${key.length} chars)`, () => {
      const err = thrownBy(() => tokenCipher({ keys: { k: key }, current: "k" }));
      expect(isConfigError(err)).toBe(true);
      expect((err as Error).message).toMatch(/generateEncryptionKey|randomBytes/);
      expect((err as Error).message).not.toContain(key);
    });
  }

  it("accepts generated keys (base64url), base64 of 32 random bytes, and 32-byte Uint8Arrays", () => {
    for (let i = 0; i < 200; i++) {
      const bytes = randomBytes(32);
      for (const key of [generateEncryptionKey(), bytes.toString("base64"), bytes.toString("base64url"), new Uint8Array(bytes)]) {
        expect(tokenCipher({ keys: { k: key }, current: "k" }).currentKeyId).toBe("k");
      }
    }
  });
});

describe("reencrypt() finishes the rotation past records it cannot decrypt", () => {
  const dir = mkdtempSync(join(tmpdir(), "ballast-reencrypt-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const record = (n: number): TokenRecord => ({ tokens: { accessToken: `tok-${n}`, tokenType: "bearer" }, grant: "manual", updatedAt: n });
  const k1 = generateEncryptionKey();
  const k2 = generateEncryptionKey();
  const stray = generateEncryptionKey();
  const v1: EncryptionOptions = { keys: { k1 }, current: "k1" };
  const v2: EncryptionOptions = { keys: { k1, k2 }, current: "k2" };

  const backends = {
    memory: () => {
      const backend = memoryCiphertextBackend();
      return (e: EncryptionOptions) => encryptedTokenStore(backend, e);
    },
    SQLite: () => {
      const db = new Database(join(dir, `t${Math.random()}.db`));
      return (e: EncryptionOptions) => sqlTokenStore(db, { encryption: e });
    },
  };
  for (const [name, make] of Object.entries(backends)) {
    it(`${name}: a record under an unknown key is skipped and reported; every other record is rewritten`, async () => {
      const open = make();
      for (const n of [1, 2, 3, 4]) await open(v1).put(`c${n}`, record(n));
      // A record written with a key this deployment never had (or since lost).
      await open({ keys: { stray }, current: "stray" }).put("c2", record(20));
      const report = await open(v2).reencrypt();
      expect(report.reencrypted).toBe(3);
      expect(report.skipped).toEqual([{ connectionId: "c2", reason: "unknown_key" }]);
      const onlyNew = open({ keys: { k2 }, current: "k2" });
      for (const n of [1, 3, 4]) expect((await onlyNew.get(`c${n}`))?.value.tokens.accessToken).toBe(`tok-${n}`);
    });
  }
});
