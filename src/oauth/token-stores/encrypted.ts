import { type EncryptionOptions, tokenCipher } from "../encryption.js";
import { isTokenDecryptionError } from "../errors.js";
import type { TokenRecord } from "../token-set.js";
import type { CiphertextBackend, TokenStore, VersionedRecord } from "./types.js";

/** A token store that can also rewrite old records under the current key. */
export interface EncryptedTokenStore extends TokenStore {
  /**
   * Rewrites every record not encrypted with the current key (after a key
   * rotation). Records changed meanwhile are left to their writer; records
   * that cannot be decrypted (a key no longer configured, tampering) are
   * skipped and reported, and the rest are still rewritten.
   */
  reencrypt(): Promise<ReencryptReport>;
}

export interface ReencryptReport {
  /** Records rewritten under the current key. */
  reencrypted: number;
  /** Records left as they were because they could not be decrypted, with the `TokenDecryptionError` reason. */
  skipped: Array<{ connectionId: string; reason: string }>;
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
      const report: ReencryptReport = { reencrypted: 0, skipped: [] };
      for (const id of await backend.ids()) {
        const raw = await backend.get(id);
        if (raw === undefined || cipher.keyIdOf(raw.value) === cipher.currentKeyId) continue;
        let plain: string;
        try {
          plain = cipher.decrypt(raw.value, id);
        } catch (e) {
          if (!isTokenDecryptionError(e)) throw e;
          report.skipped.push({ connectionId: id, reason: e.reason });
          continue;
        }
        if (await backend.put(id, cipher.encrypt(plain, id), raw.version)) report.reencrypted++;
      }
      return report;
    },
    close: () => backend.close(),
  };
}
