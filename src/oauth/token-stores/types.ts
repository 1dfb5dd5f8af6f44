import type { TokenRecord } from "../token-set.js";

/** A stored record with its version (incremented by every write). */
export interface VersionedRecord<T> {
  value: T;
  version: number;
}

/**
 * Where tokens live, per connection id. Each write bumps `version`;
 * `put(..., expectedVersion)` writes only if the stored version is still the
 * one read, so a refresher that lost its lock (paused past the lock TTL)
 * cannot overwrite what the newer holder wrote. Implementations encrypt
 * everything they hold.
 */
export interface TokenStore {
  readonly kind: string;
  get(connectionId: string): Promise<VersionedRecord<TokenRecord> | undefined>;
  /** Writes; with `expectedVersion`, only if the stored version equals it. Resolves to whether it wrote. */
  put(connectionId: string, record: TokenRecord, expectedVersion?: number): Promise<boolean>;
  delete(connectionId: string): Promise<void>;
  /** Every stored id (for migrations); optional for stores you write yourself. */
  ids?(): Promise<string[]>;
  /** Closes what the store opened itself (not a client passed in). */
  close(): Promise<void>;
}

/**
 * The raw side of a token store: opaque strings (ciphertexts) with versions.
 * Memory, Redis and SQL implement this; `encryptedTokenStore` adds the rest.
 */
export interface CiphertextBackend {
  readonly kind: string;
  get(id: string): Promise<VersionedRecord<string> | undefined>;
  put(id: string, ciphertext: string, expectedVersion?: number): Promise<boolean>;
  delete(id: string): Promise<void>;
  /** Every id in the store (for re-encryption after a key rotation). */
  ids(): Promise<string[]>;
  close(): Promise<void>;
}
