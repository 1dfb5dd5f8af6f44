/**
 * Create a Stripe payment intent with `ballast/providers`.
 *
 *   npm run example -- stripe-payment
 *
 * It runs against the Stripe simulator of `ballast/testing`. Against the real API it is the same code
 * without the simulator, the key read from the environment:
 *
 *   // STRIPE_SECRET_KEY=sk_test_... node --import tsx app.ts
 *   import { isHttpError } from "ballast";
 *   import { stripe } from "ballast/providers";
 *
 *   const payments = stripe(); // STRIPE_SECRET_KEY (or STRIPE_API_KEY), Stripe-Version pinned, an idempotency key on every POST
 *   const customer = await payments.post<{ id: string }>("/v1/customers", { form: { email: "ada@example.com" } });
 *   const intent = await payments.post<PaymentIntent>("/v1/payment_intents", {
 *     form: { amount: 2000, currency: "usd", customer: customer.id, payment_method: "pm_card_visa", confirm: true },
 *   });
 *   console.log(intent.id, intent.status);
 */
import { isHttpError } from "ballast";
import { stripe } from "ballast/providers";
import { createApiSimulator } from "ballast/testing";

interface PaymentIntent {
  id: string;
  status: string;
  amount: number;
  amount_received: number;
  currency: string;
  customer: string | { id: string; email: string } | null;
}

const sim = await createApiSimulator({ provider: "stripe" });
const payments = stripe({ apiKey: "sk_test_4eC39HqLyjWDarjtT1zdp7dc", baseUrl: sim.url });

try {
  const customer = await payments.post<{ id: string }>("/v1/customers", { form: { email: "ada@example.com", metadata: { user_id: "42" } } });

  // Nested objects and arrays are sent in Stripe's bracket style: metadata[order]=A-1001&expand[]=customer.
  const { data: intent, response } = await payments
    .post<PaymentIntent>("/v1/payment_intents", {
      form: {
        amount: 2000,
        currency: "usd",
        customer: customer.id,
        payment_method: "pm_card_visa",
        confirm: true,
        metadata: { order: "A-1001" },
        expand: ["customer"],
      },
    })
    .withResponse();
  const email = typeof intent.customer === "object" && intent.customer !== null ? intent.customer.email : intent.customer;
  console.log(
    `payment intent ${intent.id}: ${intent.status}, ${intent.amount_received / 100} ${intent.currency} from ${email} (request ${response.requestId})`,
  );

  // A declined card: the error carries Stripe's own code, message and decline code.
  try {
    await payments.post("/v1/payment_intents", { form: { amount: 500, currency: "usd", payment_method: "pm_card_chargeDeclined", confirm: true } });
  } catch (error) {
    if (!isHttpError(error)) throw error;
    console.log(`declined: HTTP ${error.status} ${error.apiCode} (${String(error.apiDetails?.decline_code)}): ${error.apiMessage}`);
  }

  // The connection drops after Stripe has charged: the retry carries the same idempotency key, so Stripe
  // replays the first answer instead of charging twice.
  sim.inject({ fault: "reset" }, { method: "POST", path: "/v1/payment_intents", when: "after" });
  const before = sim.state.paymentIntents.size;
  const retried = await payments.post<PaymentIntent>("/v1/payment_intents", {
    form: { amount: 1500, currency: "usd", payment_method: "pm_card_visa", confirm: true },
  });
  console.log(`after a dropped connection: ${retried.status}, ${sim.state.paymentIntents.size - before} new payment intent`);

  // Lists page with has_more / starting_after.
  let count = 0;
  for await (const pi of payments.paginate<PaymentIntent>("/v1/payment_intents", { query: { limit: 2 } })) count += pi.id ? 1 : 0;
  console.log(`payment intents listed: ${count}`);
} finally {
  await payments.close();
  await sim.close();
}
