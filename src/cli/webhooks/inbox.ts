import type Pg from "pg";
import { requirePeer } from "../../peers/load.js";
import type { WebhookInbox } from "../../webhooks/inbox/types.js";
import { usageError } from "../exit.js";

export interface InboxFlags {
  /** SQLite inbox file (default `ballast-inbox.db` in the current directory). */
  db?: string | undefined;
  /** PostgreSQL inbox instead of SQLite. */
  databaseUrl?: string | undefined;
  /** PostgreSQL schema holding the table. */
  schema?: string | undefined;
  table?: string | undefined;
}

export const DEFAULT_INBOX_FILE = "ballast-inbox.db";

/** Where an inbox lives, for messages (the URL's password is never shown). */
export function describeInbox(flags: InboxFlags): string {
  if (flags.databaseUrl === undefined) return flags.db ?? DEFAULT_INBOX_FILE;
  const url = new URL(flags.databaseUrl);
  if (url.password) url.password = "***";
  return url.href;
}

/**
 * Opens the SQLite inbox file, or the PostgreSQL inbox at `--database-url`
 * (pg and better-sqlite3 are optional peer dependencies, loaded only here).
 */
export async function openInbox(flags: InboxFlags): Promise<WebhookInbox> {
  if (flags.db !== undefined && flags.databaseUrl !== undefined) throw usageError("give one of --db and --database-url, not both");
  const table = flags.table === undefined ? {} : { table: flags.table };
  if (flags.databaseUrl !== undefined) {
    const pg = requirePeer<typeof Pg>("pg", "--database-url");
    const { postgresInbox } = await import("../../webhooks/inbox/postgres.js");
    const pool = new pg.Pool({ connectionString: flags.databaseUrl, max: 4 });
    const inbox = postgresInbox(pool, { ...table, ...(flags.schema !== undefined && { schema: flags.schema }) });
    return {
      ...inbox,
      async close() {
        await inbox.close();
        await pool.end();
      },
    };
  }
  const { sqliteInbox } = await import("../../webhooks/inbox/sqlite.js");
  return sqliteInbox(flags.db ?? DEFAULT_INBOX_FILE, table);
}
