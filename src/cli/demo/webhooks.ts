import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type BetterSqlite3 from "better-sqlite3";
import { requirePeer } from "../../peers/load.js";
import type { SqliteDatabase } from "../../peers/sqlite.js";
import { deliverWebhook } from "../../testing/index.js";
import { slowClientLimits } from "../../util/server-timeouts.js";
import { sqliteInbox } from "../../webhooks/inbox/sqlite.js";
import { createWebhookReceiver, DEFAULT_BODY_TIMEOUT_MS } from "../../webhooks/receiver.js";
import type { Tally } from "./tally.js";

type Say = (text: string) => void;

const SECRET = "whsec_demo_0123456789abcdef";
const EVENTS = 24;

/** Polls `done` every few ms until it holds or `ms` passes. */
async function waitUntil(done: () => Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await done()) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return done();
}

/**
 * Act 3: signed Stripe-style webhooks into a receiver backed by a SQLite
 * inbox. Each event is acknowledged only once stored; a worker processes it,
 * recording the order as paid in the same transaction that marks the event
 * done. Redeliveries are acknowledged but not processed again; forged and
 * stale deliveries are refused; a handler that fails is retried.
 */
export async function signedWebhooks(file: string, tally: Tally, say: Say): Promise<void> {
  const failOnce = new Set(["evt_demo_3", "evt_demo_11", "evt_demo_19"]);
  let handlerFailures = 0;
  const receiver = createWebhookReceiver<SqliteDatabase>({
    scheme: "stripe",
    secret: SECRET,
    inbox: sqliteInbox(file),
    handlers: {
      "invoice.paid": (event: { id: string; data: { object: { order: string } } }, ctx) => {
        if (failOnce.delete(event.id)) throw new Error("the ledger service is busy");
        ctx.atomically((db) => {
          db.exec("CREATE TABLE IF NOT EXISTS paid_orders (event_id TEXT NOT NULL, order_id TEXT NOT NULL)");
          db.prepare("INSERT INTO paid_orders (event_id, order_id) VALUES (?, ?)").run(event.id, event.data.object.order);
        });
      },
    },
    worker: { backoff: () => 20, pollInterval: 20, concurrency: 4 },
    onError: () => handlerFailures++,
  });
  const server = createServer(slowClientLimits(DEFAULT_BODY_TIMEOUT_MS), receiver.node);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`;
  const event = (i: number) => ({ id: `evt_demo_${i}`, object: "event", type: "invoice.paid", data: { object: { order: `o_${1001 + i}` } } });
  const send = (i: number, extra: Partial<Parameters<typeof deliverWebhook>[0]> = {}) =>
    tally.time(() => deliverWebhook({ url, scheme: "stripe", secret: SECRET, payload: event(i), ...extra }));
  try {
    const deliveries = [
      ...Array.from({ length: EVENTS }, (_, i) => send(i)),
      // Providers deliver at least once: the same events again.
      ...[2, 7, 7, 15].map((i) => send(i)),
      // Forged (body changed after signing) and replayed (signed 10 minutes ago).
      ...[30, 31, 32].map((i) => send(i, { tamper: true })),
      ...[40, 41].map((i) => send(i, { timestamp: Date.now() - 10 * 60_000 })),
    ];
    const answers = await Promise.all(deliveries);
    tally.calls += answers.length;
    for (const a of answers) {
      if (a.status === 200) {
        tally.webhooksVerified++;
        if (a.body.includes('"duplicate":true')) tally.duplicateWebhooksPrevented++;
        else tally.webhooksAcknowledged++;
      } else tally.webhooksRejected++;
    }
    const inbox = receiver.worker;
    const allDone = () => inbox!.list({ status: "done", limit: 1000 }).then((done) => done.length >= tally.webhooksAcknowledged);
    await waitUntil(allDone, 5_000);
    tally.webhooksProcessed = (await inbox!.list({ status: "done", limit: 1000 })).length;
    say(
      `${answers.length} deliveries: ${tally.webhooksAcknowledged} events stored and acknowledged, ${tally.duplicateWebhooksPrevented} redeliveries acknowledged without processing, ${tally.webhooksRejected} refused (forged or stale)`,
    );
    say(`worker: ${tally.webhooksProcessed} processed, ${handlerFailures} handler failures retried`);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    await receiver.close();
  }
  // Read the orders the handlers recorded: each event exactly once.
  const Database = requirePeer<typeof BetterSqlite3>("better-sqlite3", "ballast demo");
  const db = new Database(file, { readonly: true });
  try {
    const { rows, uniq } = db.prepare("SELECT COUNT(*) AS rows, COUNT(DISTINCT event_id) AS uniq FROM paid_orders").get() as { rows: number; uniq: number };
    tally.duplicatedEffects += rows - uniq;
    say(`ledger: ${rows} orders marked paid, ${rows - uniq} twice`);
  } finally {
    db.close();
  }
}
