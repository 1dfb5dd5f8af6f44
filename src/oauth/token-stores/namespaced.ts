import { ConfigError } from "../../errors.js";
import { fingerprint } from "../../util/fingerprint.js";
import { OAuthError } from "../errors.js";
import type { TokenStore } from "./types.js";

/** Ids written under a registration's namespace: `oauth2:<16 chars>/<connection id>`. */
const NAMESPACED = /^oauth2:[A-Za-z0-9_-]{16}\//;
/** Client credentials tokens are fetched again on demand: never worth moving, never a reason to stop. */
const CLIENT_CREDENTIALS = /^client_credentials:/;

/** The namespace of one provider registration (issuer + client id): a short digest, so ids stay short. */
export function registrationNamespace(issuer: string, clientId: string): string {
  return `oauth2:${fingerprint(`${issuer}\n${clientId}`)}/`;
}

/**
 * A token store seen through one registration's namespace: every id is
 * prefixed, so two providers (or two client ids) sharing a store never read
 * each other's records; each ciphertext is bound to its prefixed id, so a
 * record copied into another namespace does not decrypt.
 * A miss where an un-namespaced record (written by ballast 0.1) exists fails
 * loudly instead of reading as "no tokens": see `migrateLegacyTokens`.
 */
export function namespacedTokenStore(store: TokenStore, namespace: string): TokenStore {
  return {
    kind: store.kind,
    async get(connectionId) {
      const record = await store.get(namespace + connectionId);
      if (record !== undefined || CLIENT_CREDENTIALS.test(connectionId)) return record;
      if ((await store.get(connectionId)) !== undefined) {
        throw new OAuthError("ballast_unmigrated_token", {
          message: `connection "${connectionId}" has tokens stored without an issuer/client namespace (ballast 0.1); run \`await oauth.migrateTokens()\` once, from the registration they belong to`,
        });
      }
      return undefined;
    },
    put: (connectionId, record, expectedVersion) => store.put(namespace + connectionId, record, expectedVersion),
    delete: (connectionId) => store.delete(namespace + connectionId),
    close: () => store.close(),
  };
}

export interface TokenMigrationOptions {
  /** Move only these connections (when one store served several registrations, each claims its own). Default: every un-namespaced record. */
  connectionIds?: string[];
}

export interface TokenMigrationReport {
  /** Records moved into the namespace. */
  migrated: number;
  /** Records left where they were: the namespace already had one, or they could not be read (`reason`). */
  failed: Array<{ connectionId: string; reason: string }>;
}

/**
 * Moves records written without a namespace (ballast 0.1) under `namespace`:
 * decrypts each with its old id, writes it under the new id (only where none
 * exists) and deletes the old one. Client credentials records are left alone
 * (they are fetched again). Safe to run twice and from several processes.
 */
export async function migrateLegacyTokens(store: TokenStore, namespace: string, options: TokenMigrationOptions = {}): Promise<TokenMigrationReport> {
  if (options.connectionIds !== undefined && !Array.isArray(options.connectionIds))
    throw new ConfigError("migrateTokens.connectionIds", "must be an array of connection ids");
  let ids = options.connectionIds;
  if (ids === undefined) {
    if (typeof store.ids !== "function") throw new ConfigError("tokenStore", "cannot list its records (no ids()); pass migrateTokens({ connectionIds })");
    ids = await store.ids();
  }
  const report: TokenMigrationReport = { migrated: 0, failed: [] };
  for (const id of ids) {
    if (NAMESPACED.test(id) || CLIENT_CREDENTIALS.test(id)) continue;
    try {
      const legacy = await store.get(id);
      if (legacy === undefined) continue;
      if (await store.put(namespace + id, legacy.value, 0)) {
        report.migrated++;
        await store.delete(id);
      } else report.failed.push({ connectionId: id, reason: "the namespace already holds a record for this connection" });
    } catch (e) {
      report.failed.push({ connectionId: id, reason: e instanceof Error ? e.message : String(e) });
    }
  }
  return report;
}
