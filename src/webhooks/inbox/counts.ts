import type { InboxCounts, InboxEvent, InboxStatus } from "./types.js";

/** Two queries both SQL inboxes run: events by status (index-only), then the unfinished ones (partial index). */
export function countsSql(table: string): { byStatus: string; open: string } {
  return {
    byStatus: `SELECT status, COUNT(*) AS n FROM ${table} GROUP BY status`,
    open: `SELECT COUNT(*) AS failing, MIN(received_at) AS oldest, 0 AS unused FROM ${table}
           WHERE status IN ('pending', 'processing') AND last_error IS NOT NULL
           UNION ALL
           SELECT 0, MIN(received_at), 1 FROM ${table} WHERE status IN ('pending', 'processing')`,
  };
}

/** Reads the rows of `countsSql` (numbers may arrive as strings from PostgreSQL). */
export function toCounts(
  byStatus: ReadonlyArray<{ status: string; n: unknown }>,
  open: ReadonlyArray<{ failing: unknown; oldest: unknown; unused: unknown }>,
): InboxCounts {
  const counts: InboxCounts = { pending: 0, processing: 0, done: 0, dead: 0, failing: 0, oldestPendingAt: undefined };
  for (const row of byStatus) if (row.status in counts) counts[row.status as InboxStatus] = Number(row.n);
  for (const row of open) {
    if (Number(row.unused) === 0) counts.failing = Number(row.failing);
    else if (row.oldest !== null && row.oldest !== undefined) counts.oldestPendingAt = Number(row.oldest);
  }
  return counts;
}

/** The same figures from events in memory. */
export function countEvents(events: Iterable<InboxEvent>): InboxCounts {
  const counts: InboxCounts = { pending: 0, processing: 0, done: 0, dead: 0, failing: 0, oldestPendingAt: undefined };
  for (const e of events) {
    counts[e.status]++;
    if (e.status !== "pending" && e.status !== "processing") continue;
    if (e.lastError !== undefined) counts.failing++;
    if (counts.oldestPendingAt === undefined || e.receivedAt < counts.oldestPendingAt) counts.oldestPendingAt = e.receivedAt;
  }
  return counts;
}
