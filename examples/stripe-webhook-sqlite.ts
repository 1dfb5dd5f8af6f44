/**
 * Handle Stripe webhooks into the SQLite inbox: each delivery is verified against its raw body, stored
 * durably before the 200, and processed once in the background, however often Stripe sends it.
 *
 *   npm run example -- stripe-webhook-sqlite
 *
 * The Stripe simulator of `ballast/testing` plays Stripe: a payment succeeds, and it delivers the signed
 * `payment_intent.succeeded` event (twice, as Stripe may), then a forged one. Against the real Stripe, the
 * receiver is the same, with the endpoint's signing secret from the environment:
 *
 *   // STRIPE_WEBHOOK_SECRET=whsec_... node --import tsx app.ts   (register https://your.host/webhooks/stripe)
 *   const receiver = createWebhookReceiver({
 *     scheme: "stripe",
 *     secret: process.env.STRIPE_WEBHOOK_SECRET!,
 *     inbox: sqliteInbox("./webhooks.db"),
 *     handlers: { "payment_intent.succeeded": async (event) => fulfil(event.data.object) },
 *   });
 *   createServer(receiver.node).listen(3000);
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stripe } from "ballast/providers";
import { createApiSimulator } from "ballast/testing";
import { createWebhookReceiver, sqliteInbox } from "ballast/webhooks";

const sim = await createApiSimulator({ provider: "stripe" });
const dir = mkdtempSync(join(tmpdir(), "ballast-example-"));

let fulfilled = 0;
let done: () => void;
const fulfilledOnce = new Promise<void>((resolve) => {
  done = resolve;
});

const receiver = createWebhookReceiver({
  scheme: "stripe",
  secret: sim.webhookSecret,
  inbox: sqliteInbox(join(dir, "webhooks.db")),
  handlers: {
    "payment_intent.succeeded": async (event, ctx) => {
      const intent = event.data.object as { id: string; amount_received: number; currency: string };
      fulfilled++;
      console.log(`fulfilling ${intent.id}: ${intent.amount_received / 100} ${intent.currency} (event ${event.id}, attempt ${ctx.attempt})`);
      done();
    },
  },
  fallback: () => {},
  worker: { concurrency: 2, maxAttempts: 5 },
  onError: (error) => console.error(error),
});
const server = createServer(receiver.node);
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/stripe`;

const payments = stripe({ apiKey: "sk_test_4eC39HqLyjWDarjtT1zdp7dc", baseUrl: sim.url });
try {
  await payments.post("/v1/payment_intents", { form: { amount: 4200, currency: "eur", payment_method: "pm_card_visa", confirm: true } });

  const first = await sim.deliverWebhook({ url, type: "payment_intent.succeeded" });
  const again = await sim.deliverWebhook({ url, type: "payment_intent.succeeded" });
  const forged = await sim.deliverWebhook({ url, type: "payment_intent.succeeded", tamper: true });
  console.log(`deliveries: first ${first.status}, again ${again.status}, forged ${forged.status}`);

  await fulfilledOnce;
  // The worker records the event as done right after its handler returns.
  let processed = 0;
  for (const until = Date.now() + 5_000; processed === 0 && Date.now() < until; await new Promise((r) => setTimeout(r, 20))) {
    processed = (await receiver.worker?.list({ status: "done" }))?.length ?? 0;
  }
  console.log(`events stored and processed: ${processed}; orders fulfilled: ${fulfilled}`);
} finally {
  await payments.close();
  server.close();
  await receiver.close();
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
}
