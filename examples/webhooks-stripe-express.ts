/**
 * Receive Stripe webhooks in Express: verified against the raw body, stored
 * durably in SQLite before the 200, processed once in the background.
 *
 *   STRIPE_WEBHOOK_SECRET=whsec_... node --import tsx examples/webhooks-stripe-express.ts
 *
 * Without a secret it uses a demo one and sends itself a signed event.
 */

import { deliverWebhook } from "ballast/testing";
import { createWebhookReceiver, sqliteInbox } from "ballast/webhooks";
import express from "express";

const secret = process.env.STRIPE_WEBHOOK_SECRET ?? "whsec_demo_secret";

interface StripeEvent {
  id: string;
  type: string;
  data: { object: { id: string; amount_paid?: number } };
}

const receiver = createWebhookReceiver({
  scheme: "stripe",
  secret,
  inbox: sqliteInbox("./webhooks-demo.db"),
  // Events about the same invoice run one at a time, in arrival order.
  orderingKey: (v) => (v.event as StripeEvent).data.object.id,
  handlers: {
    "invoice.paid": async (event: StripeEvent, ctx) => {
      console.log(`invoice ${event.data.object.id} paid (attempt ${ctx.attempt})`);
    },
  },
  fallback: (_event, ctx) => console.log(`ignoring ${ctx.type}`),
  worker: { concurrency: 4, timeout: "10s", maxAttempts: 5 },
  onError: (e) => console.error(e),
});

const app = express();
// The webhook route goes BEFORE any body parser: the signature covers the raw bytes.
app.post("/webhooks/stripe", receiver.express());
app.use(express.json());
app.get("/dead-letters", async (_req, res) => void res.json(await receiver.worker?.list({ status: "dead" })));

const server = app.listen(3000, async () => {
  console.log("listening on http://localhost:3000/webhooks/stripe");
  if (process.env.STRIPE_WEBHOOK_SECRET) return;
  const event = { id: `evt_${Date.now()}`, type: "invoice.paid", data: { object: { id: "in_123", amount_paid: 4200 } } };
  const first = await deliverWebhook({ url: "http://localhost:3000/webhooks/stripe", scheme: "stripe", secret, payload: event });
  const again = await deliverWebhook({ url: "http://localhost:3000/webhooks/stripe", scheme: "stripe", secret, payload: event });
  const forged = await deliverWebhook({ url: "http://localhost:3000/webhooks/stripe", scheme: "stripe", secret, payload: event, tamper: true });
  console.log("first:", first.status, first.body, "| again:", again.status, again.body, "| forged:", forged.status, forged.body);
  setTimeout(async () => {
    server.close();
    await receiver.close();
  }, 500);
});
