/**
 * One webhook receiver in a process of its own, for
 * bench/suites/webhooks-instructions.ts: `node receiver-process.ts <kind>
 * <compiled ballast src dir> <secret>` listens on 127.0.0.1 and sends `{ port }` over
 * IPC; "exit" over IPC closes it (dropping a PostgreSQL table it made).
 * Kinds: "hand-written", "none" (ballast, no storage), "sqlite", "postgres"
 * (the inboxes' defaults).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import pg from "pg";
import type { WebhookInbox } from "../../src/webhooks/index.js";
import { handWrittenReceiver } from "./hand-written-receiver.js";
import { noStoreInbox } from "./no-store-inbox.js";

const [kind = "none", ballastSrc = "", secret = ""] = process.argv.slice(2);
const webhooks: typeof import("../../src/webhooks/index.js") = await import(pathToFileURL(join(ballastSrc, "webhooks", "index.js")).href);

let cleanup = async () => {};
let inbox: WebhookInbox | undefined;
if (kind === "sqlite") {
  const dir = mkdtempSync(join(tmpdir(), "ballast-bench-receiver-"));
  inbox = webhooks.sqliteInbox(join(dir, "inbox.db"));
  cleanup = async () => rmSync(dir, { recursive: true, force: true });
} else if (kind === "postgres") {
  const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test", max: 10 });
  const table = `bench_receiver_${process.pid}`;
  inbox = webhooks.postgresInbox(pool, { table });
  cleanup = async () => {
    await pool.query(`DROP TABLE IF EXISTS ${table}`);
    await pool.end();
  };
} else if (kind === "none") inbox = noStoreInbox();
else if (kind !== "hand-written") throw new Error(`unknown receiver kind ${kind}`);

const handler = inbox ? webhooks.createWebhookReceiver({ scheme: "stripe", secret: secret, inbox, worker: false }).node : handWrittenReceiver(secret);
const server = createServer(handler);
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => process.send?.({ port: (server.address() as AddressInfo).port }));
process.on("message", async (m) => {
  if (m !== "exit") return;
  server.closeAllConnections();
  server.close();
  await inbox?.close();
  await cleanup();
  process.exit(0);
});
