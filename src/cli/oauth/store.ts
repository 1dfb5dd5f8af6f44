import { mkdirSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import type BetterSqlite3 from "better-sqlite3";
import type { EncryptionOptions } from "../../oauth/encryption.js";
import type { OAuthEndpoints } from "../../oauth/protocol.js";
import type { TokenStore } from "../../oauth/token-stores/types.js";
import { requirePeer } from "../../peers/load.js";
import { usageError } from "../exit.js";
import { secretFromEnv } from "../options.js";

/** What `oauth token` needs to refresh a connection later: where its server is and which client it is (no secrets). */
export interface ConnectionProfile {
  name: string;
  issuer?: string | undefined;
  endpoints?: OAuthEndpoints | undefined;
  clientId: string;
  /** The environment variable holding the client secret, if the client has one (the secret itself is never stored). */
  clientSecretEnv?: string | undefined;
  scopes: string[];
  createdAt: number;
}

export interface StoreFlags {
  store?: string | undefined;
  keyEnv: string;
}

export const DEFAULT_KEY_ENV = "BALLAST_TOKEN_KEY";

/** `--store`, else `$BALLAST_HOME/tokens.db`, else `~/.ballast/tokens.db`. */
export function storePath(flags: StoreFlags, env: NodeJS.ProcessEnv = process.env): string {
  return flags.store ?? join(env.BALLAST_HOME ?? join(homedir(), ".ballast"), "tokens.db");
}

/** The encryption key from the environment variable `--key-env` names. */
export function encryptionFromEnv(flags: StoreFlags, env: NodeJS.ProcessEnv = process.env): EncryptionOptions {
  let key: string;
  try {
    key = secretFromEnv(flags.keyEnv, "--key-env", env);
  } catch (error) {
    throw usageError(`${(error as Error).message}; create a key with \`ballast oauth keygen\` and export it as ${flags.keyEnv}`);
  }
  return { keys: { cli: key }, current: "cli" };
}

export interface CliTokenStore {
  tokens: TokenStore;
  getProfile(name: string): ConnectionProfile | undefined;
  putProfile(profile: ConnectionProfile): void;
  profiles(): ConnectionProfile[];
  close(): void;
}

/**
 * The CLI's token file: a SQLite database holding the encrypted token store
 * (`sqlTokenStore`) and, beside it, each connection's profile in clear (no
 * secrets in it).
 */
export async function openTokenFile(flags: StoreFlags, env: NodeJS.ProcessEnv = process.env): Promise<CliTokenStore> {
  const encryption = encryptionFromEnv(flags, env);
  const path = storePath(flags, env);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const Database = requirePeer<typeof BetterSqlite3>("better-sqlite3", "the token file (--store)");
  const { sqlTokenStore } = await import("../../oauth/token-stores/sql.js");
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.exec("CREATE TABLE IF NOT EXISTS ballast_cli_connections (name TEXT PRIMARY KEY, profile TEXT NOT NULL)");
  const tokens = sqlTokenStore(db, { encryption });
  const select = db.prepare<[string], { profile: string }>("SELECT profile FROM ballast_cli_connections WHERE name = ?");
  const upsert = db.prepare("INSERT INTO ballast_cli_connections (name, profile) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET profile = excluded.profile");
  const all = db.prepare<[], { profile: string }>("SELECT profile FROM ballast_cli_connections ORDER BY name");
  return {
    tokens,
    getProfile(name) {
      const row = select.get(name);
      return row && (JSON.parse(row.profile) as ConnectionProfile);
    },
    putProfile(profile) {
      upsert.run(profile.name, JSON.stringify(profile));
    },
    profiles: () => all.all().map((r) => JSON.parse(r.profile) as ConnectionProfile),
    close() {
      db.close();
    },
  };
}
