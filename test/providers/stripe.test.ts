import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ProviderClient, stripe } from "../../src/providers/index.js";
import { verifyWebhook } from "../../src/webhooks/index.js";
import { useSimulator } from "../support/simulator.js";
import { webhookSink } from "../testing/dialects/support.js";
import { httpFailure } from "./support.js";

interface Customer {
  id: string;
  email: string | null;
}
interface PaymentIntent {
  id: string;
  status: string;
  customer: string | Customer | null;
}

const env = useSimulator({ provider: "stripe" });
let client: ProviderClient;

beforeAll(() => {
  client = stripe({ apiKey: "sk_test_4eC39HqLyjWDarjtT1zdp7dc", baseUrl: env.sim.url, retry: { backoff: { base: 1, cap: 5 } } });
});
afterAll(() => client.close());

describe("stripe profile against the Stripe dialect", () => {
  it("sends form bodies with nested brackets and expand[]", async () => {
    const customer = await client.post<Customer>("/v1/customers", { form: { email: "ada@example.com", metadata: { user_id: "42" } } });
    const intent = await client.post<PaymentIntent>("/v1/payment_intents", {
      form: { amount: 2000, currency: "usd", customer: customer.id, expand: ["customer"] },
    });
    expect((intent.customer as Customer).email).toBe("ada@example.com");
    const body = env.sim.requests.find((r) => r.path === "/v1/payment_intents")!.text();
    expect(decodeURIComponent(body)).toContain("expand[]=customer");
    expect(decodeURIComponent(env.sim.requests[0]!.text())).toContain("metadata[user_id]=42");
    expect(env.sim.requests[0]!.headers["stripe-version"]).toBe("2026-10-28.endive");
  });

  it("errors carry Stripe's code, message and details", async () => {
    const missing = await httpFailure(client.get("/v1/customers/:id", { params: { id: "cus_missing" } }));
    expect(missing.status).toBe(404);
    expect(missing.apiCode).toBe("resource_missing");
    expect(missing.apiMessage).toBe("No such customer: 'cus_missing'");
    expect(missing.apiDetails).toMatchObject({ type: "invalid_request_error", param: "id", doc_url: "https://stripe.com/docs/error-codes/resource-missing" });
    expect(missing.message).toContain("No such customer");
    expect(missing.requestId).toMatch(/^req_/);

    const declined = await httpFailure(
      client.post("/v1/payment_intents", { form: { amount: 500, currency: "usd", payment_method: "pm_card_chargeDeclined", confirm: true } }),
    );
    expect(declined.status).toBe(402);
    expect(declined.apiCode).toBe("card_declined");
    expect(declined.apiDetails).toMatchObject({ type: "card_error", decline_code: "generic_decline" });
    expect(String(declined.apiDetails?.payment_intent)).toMatch(/^pi_/);
    expect(declined.retryable).toBe(false);
    expect(env.sim.requests).toHaveLength(2);
  });

  it("puts an idempotency key on every POST: a 5xx burst is retried with the same key, one customer results", async () => {
    env.sim.inject(500, { times: 2, path: "/v1/customers" });
    const customer = await client.post<Customer>("/v1/customers", { form: { email: "retry@example.com" } });
    const posts = env.sim.requests.filter((r) => r.method === "POST");
    expect(posts).toHaveLength(3);
    const keys = new Set(posts.map((r) => r.headers["idempotency-key"]));
    expect(keys.size).toBe(1);
    expect([...keys][0]).toMatch(/^[0-9a-f-]{36}$/);
    expect([...env.sim.state.customers.keys()]).toEqual([customer.id]);
  });

  it("a lost response is retried and replayed (Idempotent-Replayed), with no second payment", async () => {
    env.sim.inject({ fault: "reset" }, { method: "POST", path: "/v1/payment_intents", when: "after" });
    const { data, response } = await client
      .post<PaymentIntent>("/v1/payment_intents", { form: { amount: 900, currency: "usd", payment_method: "pm_card_visa", confirm: true } })
      .withResponse();
    expect(data.status).toBe("succeeded");
    expect(response.headers["idempotent-replayed"]).toBe("true");
    expect(response.attempts).toBe(2);
    expect(env.sim.state.paymentIntents.size).toBe(1);
  });

  it("follows Stripe-Should-Retry: true retries a 409 lock_timeout, false stops a 503", async () => {
    env.sim.inject(409, { path: "/v1/customers" });
    await client.post("/v1/customers", { form: { email: "lock@example.com" } });
    expect(env.sim.requests.filter((r) => r.method === "POST")).toHaveLength(2);
    env.sim.reset();

    env.sim.inject({ status: 503, headers: { "stripe-should-retry": "false" }, json: { error: { type: "api_error", message: "no" } } });
    const error = await httpFailure(client.get("/v1/customers"));
    expect(error.status).toBe(503);
    expect(env.sim.requests).toHaveLength(1);
  });

  it("retries a 429 in Stripe's shape", async () => {
    env.sim.inject(429, { times: 2 });
    const list = await client.get<{ data: unknown[] }>("/v1/customers");
    expect(list.data).toEqual([]);
    expect(env.sim.requests).toHaveLength(3);
  });

  it("limits itself to Stripe's documented rate: 25/s with test keys, 100/s with live keys", () => {
    const limits = (c: ProviderClient) => (c.stats().policies.rateLimit as { limits: { requests: number; per: number }[] }).limits;
    expect(limits(client)).toEqual([{ requests: 25, per: 1000, burst: 1 }]);
    const live = stripe({ apiKey: "sk_live_abcdef", baseUrl: env.sim.url });
    expect(limits(live)).toEqual([{ requests: 100, per: 1000, burst: 1 }]);
  });

  it("paginates to the end with has_more / starting_after", async () => {
    const created: string[] = [];
    for (let i = 0; i < 23; i++) created.push((await client.post<Customer>("/v1/customers", { form: { email: `c${i}@example.com` } })).id);
    const listed: string[] = [];
    for await (const c of client.paginate<Customer>("/v1/customers", { query: { limit: 10 } })) listed.push(c.id);
    expect(listed).toEqual([...created].reverse());
    expect(env.sim.requests.filter((r) => r.method === "GET")).toHaveLength(3);
  });

  it("verifies the simulator's signed payment_intent.succeeded with the profile's webhook scheme", async () => {
    const sink = await webhookSink();
    try {
      await client.post("/v1/payment_intents", { form: { amount: 2000, currency: "usd", payment_method: "pm_card_visa", confirm: true } });
      await env.sim.deliverWebhook({ url: sink.url, type: "payment_intent.succeeded" });
      const delivery = sink.received[0]!;
      const scheme = client.provider.webhookScheme!;
      expect(scheme).toBe("stripe");
      const verified = verifyWebhook<{ type: string; data: { object: PaymentIntent } }>({
        scheme,
        payload: delivery.body,
        headers: delivery.headers,
        secret: env.sim.webhookSecret,
      });
      expect(verified.event.type).toBe("payment_intent.succeeded");
      expect(verified.event.data.object.status).toBe("succeeded");
      expect(() => verifyWebhook({ scheme, payload: delivery.body, headers: delivery.headers, secret: "whsec_other" })).toThrow(/signature_mismatch/);
    } finally {
      await sink.close();
    }
  });
});
