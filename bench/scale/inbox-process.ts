/**
 * One process of the PostgreSQL inbox scaling curve (bench/suites/scale.ts):
 * a receiver on PORT (worker off: it only acknowledges, each 2xx committed),
 * or, with PORT=0, a worker-only process whose handler does nothing, so what
 * is measured is the inbox's claim/complete cost. env: SCHEMA, SECRET,
 * DATABASE_URL.
 */
import { createServer } from "node:http";
import pg from "pg";
import { createWebhookReceiver, createWebhookWorker, postgresInbox } from "../../src/webhooks/index.js";

const { PORT = "0", SCHEMA = "", SECRET = "", DATABASE_URL, POOL = "8" } = process.env;
const pool = new pg.Pool({ connectionString: DATABASE_URL, max: Number(POOL) });
const inbox = postgresInbox(pool, { schema: SCHEMA });
const handlers = { "invoice.paid": async () => {} };

if (PORT === "0") {
  createWebhookWorker({ inbox, handlers, scheme: "stripe", concurrency: 32, pollInterval: 20 }).start();
  process.stdout.write("ready\n");
} else {
  const receiver = createWebhookReceiver({ scheme: "stripe", secret: SECRET, inbox, handlers, worker: false });
  createServer(receiver.node).listen(Number(PORT), "127.0.0.1", () => process.stdout.write("ready\n"));
}
