/**
 * Send webhooks the recommended way (Standard Webhooks), and verify them on
 * the other side with ballast or any Standard Webhooks / Svix library.
 *
 *   node --import tsx examples/webhooks-send-standard.ts
 */
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createWebhookReceiver, memoryInbox, signWebhook } from "ballast/webhooks";

// Give each subscriber its own secret: `whsec_` + base64 of 24+ random bytes.
const secret = `whsec_${randomBytes(24).toString("base64")}`;

const receiver = createWebhookReceiver({
  scheme: "standard",
  secret,
  inbox: memoryInbox(),
  handlers: { "user.created": (event: { data: { email: string } }, ctx) => console.log(`${ctx.id}: welcome ${event.data.email}`) },
});
const server = createServer(receiver.node).listen(0, "127.0.0.1");
await new Promise((r) => server.once("listening", r));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;

// Sending side: sign the exact bytes you send; keep the id stable across retries.
const body = JSON.stringify({ type: "user.created", timestamp: new Date().toISOString(), data: { email: "ada@example.com" } });
const headers = signWebhook({ scheme: "standard", payload: body, secret, id: "msg_2bd6b1f0" });
for (let attempt = 1; attempt <= 2; attempt++) {
  const res = await fetch(url, { method: "POST", body, headers });
  console.log(`delivery ${attempt}: ${res.status} ${await res.text()}`);
}

setTimeout(async () => {
  server.close();
  await receiver.close();
}, 200);
