import { type EncryptionOptions, generateEncryptionKey } from "../encryption.js";
import { type EncryptedTokenStore, encryptedTokenStore } from "./encrypted.js";
import type { CiphertextBackend, VersionedRecord } from "./types.js";

export interface MemoryTokenStoreOptions {
  /** Keys for encryption at rest. Default: one random key made for this store (tokens die with the process anyway). */
  encryption?: EncryptionOptions;
}

/** The in-memory backend: ciphertexts in a Map. Exposed for tests that inspect what is held at rest. */
export function memoryCiphertextBackend(): CiphertextBackend & { raw(): ReadonlyMap<string, VersionedRecord<string>> } {
  const records = new Map<string, VersionedRecord<string>>();
  return {
    kind: "memory",
    async get(id) {
      const r = records.get(id);
      return r && { ...r };
    },
    async put(id, ciphertext, expectedVersion) {
      const current = records.get(id);
      if (expectedVersion !== undefined && (current?.version ?? 0) !== expectedVersion) return false;
      records.set(id, { value: ciphertext, version: (current?.version ?? 0) + 1 });
      return true;
    },
    async delete(id) {
      records.delete(id);
    },
    async ids() {
      return [...records.keys()];
    },
    async close() {},
    raw: () => records,
  };
}

/** Tokens in this process's memory, encrypted like every other store. */
export function memoryTokenStore(options: MemoryTokenStoreOptions = {}): EncryptedTokenStore {
  const encryption = options.encryption ?? { keys: { mem: generateEncryptionKey() }, current: "mem" };
  return encryptedTokenStore(memoryCiphertextBackend(), encryption, "memoryTokenStore.encryption");
}
