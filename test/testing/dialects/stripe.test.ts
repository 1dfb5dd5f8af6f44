import Stripe from "stripe";
import { beforeAll, describe, expect, it } from "vitest";
import { verifyWebhook } from "../../../src/webhooks/index.js";
import { useSimulator } from "../../support/simulator.js";
import { webhookSink } from "./support.js";

const env = useSimulator({ provider: "stripe" });
let stripe: Stripe;

beforeAll(() => {
  // The official SDK, unchanged but for where it connects.
  stripe = new Stripe("sk_test_4eC39HqLyjWDarjtT1zdp7dc", { host: "127.0.0.1", port: env.sim.port, protocol: "http", maxNetworkRetries: 2 });
});

const form = (req: { text(): string }) => new URLSearchParams(req.text());

describe("stripe-node against the Stripe dialect", () => {
  it("creates customers and lists them all with autoPagingToArray (newest first, has_more / starting_after)", async () => {
    const created: string[] = [];
    for (let i = 0; i < 7; i++) created.push((await stripe.customers.create({ email: `c${i}@example.com`, metadata: { n: String(i) } })).id);
    const all = await stripe.customers.list({ limit: 3 }).autoPagingToArray({ limit: 100 });
    expect(all.map((c) => c.id)).toEqual([...created].reverse());
    expect(all[6]!.metadata).toEqual({ n: "0" });
    const pages = env.sim.requests.filter((r) => r.method === "GET");
    expect(pages.map((r) => r.searchParams.get("starting_after"))).toEqual([null, created[4], created[1]]);
  });

  it("retrieves a customer, and a missing one is StripeInvalidRequestError resource_missing (404)", async () => {
    const customer = await stripe.customers.create({ name: "Ada" });
    expect((await stripe.customers.retrieve(customer.id)) as Stripe.Customer).toMatchObject({ id: customer.id, name: "Ada", object: "customer" });
    const error = await stripe.customers.retrieve("cus_missing").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error).toMatchObject({ statusCode: 404, code: "resource_missing", param: "id", rawType: "invalid_request_error" });
    expect((error as Stripe.errors.StripeError).requestId).toMatch(/^req_/);
  });

  it("creates a payment intent with an idempotency key: a repeat replays it (Idempotent-Replayed: true), no second intent", async () => {
    const customer = await stripe.customers.create({ email: "pay@example.com" });
    const params = { amount: 2000, currency: "usd", customer: customer.id, payment_method: "pm_card_visa", confirm: true, expand: ["customer"] };
    const first = await stripe.paymentIntents.create(params, { idempotencyKey: "order-1" });
    const again = await stripe.paymentIntents.create(params, { idempotencyKey: "order-1" });
    expect(first.status).toBe("succeeded");
    expect(first.amount_received).toBe(2000);
    expect((first.customer as Stripe.Customer).email).toBe("pay@example.com");
    expect(again.id).toBe(first.id);
    expect(again.lastResponse.headers["idempotent-replayed"]).toBe("true");
    expect(env.sim.state.paymentIntents.size).toBe(1);
    // The SDK's form body: nested brackets for expand, as Stripe parses it.
    const sent = form(env.sim.requests.find((r) => r.path === "/v1/payment_intents")!);
    expect(sent.get("expand[0]")).toBe("customer");
    const other = await stripe.paymentIntents.create({ ...params, amount: 3000 }, { idempotencyKey: "order-1" }).catch((e: unknown) => e);
    expect(other).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
  });

  it("a declined card is StripeCardError card_declined with its decline code, and the intent keeps the failure", async () => {
    const error = await stripe.paymentIntents
      .create({ amount: 500, currency: "eur", payment_method: "pm_card_chargeDeclined", confirm: true })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(error).toMatchObject({ statusCode: 402, code: "card_declined", decline_code: "generic_decline" });
    const intent = (error as Stripe.errors.StripeCardError).payment_intent!;
    expect(intent.status).toBe("requires_payment_method");
    const stored = await stripe.paymentIntents.retrieve(intent.id);
    expect(stored.last_payment_error?.decline_code).toBe("generic_decline");
    const insufficient = await stripe.paymentIntents
      .create({ amount: 500, currency: "eur", payment_method: "pm_card_chargeDeclinedInsufficientFunds", confirm: true })
      .catch((e: unknown) => e);
    expect(insufficient).toMatchObject({ decline_code: "insufficient_funds" });
  });

  it("confirms an intent in a second step", async () => {
    const intent = await stripe.paymentIntents.create({ amount: 1200, currency: "usd" });
    expect(intent.status).toBe("requires_payment_method");
    const confirmed = await stripe.paymentIntents.confirm(intent.id, { payment_method: "pm_card_mastercard" });
    expect(confirmed.status).toBe("succeeded");
    const twice = await stripe.paymentIntents.confirm(intent.id).catch((e: unknown) => e);
    expect(twice).toMatchObject({ code: "payment_intent_unexpected_state", statusCode: 400 });
  });

  it("refuses bad parameters the way Stripe does", async () => {
    await expect(stripe.paymentIntents.create({ currency: "usd" } as Stripe.PaymentIntentCreateParams)).rejects.toMatchObject({
      code: "parameter_missing",
      param: "amount",
    });
    await expect(stripe.customers.create({ nickname: "x" } as Stripe.CustomerCreateParams)).rejects.toMatchObject({ param: "nickname" });
    await expect(stripe.paymentIntents.create({ amount: 100, currency: "usd", customer: "cus_nope" })).rejects.toMatchObject({
      code: "resource_missing",
      param: "customer",
    });
  });

  it("refuses a missing or malformed key with 401 and StripeAuthenticationError", async () => {
    const bad = new Stripe("not-a-key", { host: "127.0.0.1", port: env.sim.port, protocol: "http" });
    const error = await bad.customers.list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    expect((error as Error).message).toContain("Invalid API Key provided");
    expect((error as Error).message).not.toContain("not-a-key");
    const none = await fetch(`${env.sim.url}/v1/customers`);
    expect(none.status).toBe(401);
  });

  it("fault injection: the SDK retries an injected 500 burst and a reset, in Stripe's error shape", async () => {
    env.sim.inject(500, { times: 2, path: "/v1/customers" });
    const customer = await stripe.customers.create({ email: "retry@example.com" });
    expect(customer.email).toBe("retry@example.com");
    const posts = env.sim.requests.filter((r) => r.method === "POST");
    expect(posts).toHaveLength(3);
    // stripe-node adds an idempotency key to retried POSTs: the same on every attempt.
    expect(new Set(posts.map((r) => r.headers["idempotency-key"])).size).toBe(1);
    expect(env.sim.state.customers.size).toBe(1);

    env.sim.inject(503, { times: 5 });
    const error = await stripe.customers.list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Stripe.errors.StripeAPIError);
  });

  it("a write whose response was lost is replayed from its idempotency key, not done twice", async () => {
    env.sim.inject({ fault: "reset" }, { method: "POST", path: "/v1/customers", when: "after" });
    const customer = await stripe.customers.create({ email: "once@example.com" });
    expect(env.sim.state.customers.size).toBe(1);
    expect([...env.sim.state.customers.keys()]).toEqual([customer.id]);
  });

  it("lists payment intents and events, and parses brackets that arrive percent-encoded", async () => {
    const res = await fetch(`${env.sim.url}/v1/customers`, {
      method: "POST",
      headers: { authorization: "Bearer sk_test_abcdef", "content-type": "application/x-www-form-urlencoded" },
      body: "email=enc%40example.com&metadata%5Border%5D=42",
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("request-id")).toMatch(/^req_/);
    expect(await res.json()).toMatchObject({ email: "enc@example.com", metadata: { order: "42" } });
    const events = await stripe.events.list({ type: "customer.created" });
    expect(events.data).toHaveLength(1);
  });
});

describe("signed webhooks", () => {
  it("delivers payment_intent.succeeded signed as Stripe signs it; stripe-node and ballast both verify it", async () => {
    const sink = await webhookSink();
    try {
      await stripe.paymentIntents.create({ amount: 2000, currency: "usd", payment_method: "pm_card_visa", confirm: true });
      const result = await env.sim.deliverWebhook({ url: sink.url, type: "payment_intent.succeeded" });
      expect(result.status).toBe(200);
      const [delivery] = sink.received;
      const header = delivery!.headers["stripe-signature"] as string;
      const event = stripe.webhooks.constructEvent(delivery!.body, header, env.sim.webhookSecret);
      expect(event.type).toBe("payment_intent.succeeded");
      expect((event.data.object as Stripe.PaymentIntent).status).toBe("succeeded");
      const verified = verifyWebhook({ scheme: "stripe", payload: delivery!.body, headers: delivery!.headers, secret: env.sim.webhookSecret });
      expect(verified.id).toBe(event.id);
      await env.sim.deliverWebhook({ url: sink.url, type: "payment_intent.succeeded", tamper: true });
      expect(() =>
        stripe.webhooks.constructEvent(sink.received[1]!.body, sink.received[1]!.headers["stripe-signature"] as string, env.sim.webhookSecret),
      ).toThrow();
    } finally {
      await sink.close();
    }
  });
});
