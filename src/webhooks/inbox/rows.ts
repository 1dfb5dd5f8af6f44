import { ConfigError } from "../../errors.js";
import type { InboxEvent, InboxStatus } from "./types.js";

/** The inbox table's columns, shared by the SQLite and PostgreSQL inboxes. */
export interface InboxRow {
  id: string;
  scheme: string;
  type: string | null;
  ordering_key: string | null;
  payload: Buffer | Uint8Array;
  headers: string;
  received_at: number | string;
  status: string;
  attempts: number | string;
  run_at: number | string;
  last_error: string | null;
  lease: string | null;
  lease_until: number | string | null;
  completed_at: number | string | null;
}

const num = (v: number | string | null): number | undefined => (v === null ? undefined : Number(v));

export function rowToEvent(row: InboxRow): InboxEvent {
  return {
    id: row.id,
    scheme: row.scheme,
    type: row.type ?? undefined,
    orderingKey: row.ordering_key ?? undefined,
    payload: Buffer.isBuffer(row.payload) ? row.payload : Buffer.from(row.payload),
    headers: JSON.parse(row.headers) as Record<string, string>,
    receivedAt: Number(row.received_at),
    status: row.status as InboxStatus,
    attempts: Number(row.attempts),
    runAt: Number(row.run_at),
    lastError: row.last_error ?? undefined,
    lease: row.lease ?? undefined,
    leaseUntil: num(row.lease_until),
    completedAt: num(row.completed_at),
  };
}

/** SQL identifiers are interpolated, so they must be plain names. */
export function identifier(value: string, option: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(value)) throw new ConfigError(option, `must be a plain SQL identifier; got ${JSON.stringify(value)}`);
  return value;
}

/** Errors are stored for people to read; keep them short. */
export function clip(error: string): string {
  return error.length > 2000 ? `${error.slice(0, 2000)}…` : error;
}
