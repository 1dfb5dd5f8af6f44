import { type EncryptionOptions, tokenCipher } from "../encryption.js";
import type { TokenRecord } from "../token-set.js";
import type { CiphertextBackend, TokenStore, VersionedRecord } from "./types.js";

/** A token store that can also rewrite old records under the current key. */
export interface EncryptedTokenStore extends TokenStore {
  /**
   * Rewrites every record not encrypted with the current key (after a key
   * rotation). Records changed meanwhile are left to their writer. Resolves to
   * how many were rewritten.
   */
  reencrypt(): Promise<number>;
}

/** Adds AES-256-GCM encryption (key id in each ciphertext, bound to the connection id) to a backend. */
export function encryptedTokenStore(backend: CiphertextBackend, encryption: EncryptionOptions | undefined, optionName = "encryption"): EncryptedTokenStore {
  const cipher = tokenCipher(encryption, optionName);
  const open = (id: string, raw: VersionedRecord<string>): VersionedRecord<TokenRecord> => ({
    value: JSON.parse(cipher.decrypt(raw.value, id)) as TokenRecord,
    version: raw.version,
  });
  return {
    kind: backend.kind,
    async get(connectionId) {
      const raw = await backend.get(connectionId);
      return raw === undefined ? undefined : open(connectionId, raw);
    },
    put(connectionId, record, expectedVersion) {
      return backend.put(connectionId, cipher.encrypt(JSON.stringify(record), connectionId), expectedVersion);
    },
    delete: (connectionId) => backend.delete(connectionId),
    ids: () => backend.ids(),
    async reencrypt() {
      let count = 0;
      for (const id of await backend.ids()) {
        const raw = await backend.get(id);
        if (raw === undefined || cipher.keyIdOf(raw.value) === cipher.currentKeyId) continue;
        const plain = cipher.decrypt(raw.value, id);
        if (await backend.put(id, cipher.encrypt(plain, id), raw.version)) count++;
      }
      return count;
    },
    close: () => backend.close(),
  };
}
