import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ProviderClient, sendgrid } from "../../src/providers/index.js";
import { createApiSimulator } from "../../src/testing/index.js";
import { verifyWebhook } from "../../src/webhooks/index.js";
import { useSimulator } from "../support/simulator.js";
import { webhookSink } from "../testing/dialects/support.js";
import { httpFailure } from "./support.js";

const env = useSimulator({ provider: "sendgrid" });
let client: ProviderClient;
const KEY = "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";

beforeAll(() => {
  client = sendgrid({ apiKey: KEY, baseUrl: env.sim.url, retry: { backoff: { base: 1, cap: 5 } } });
});
afterAll(() => client.close());

const mail = {
  personalizations: [{ to: [{ email: "ada@example.com" }] }],
  from: { email: "shop@example.com" },
  subject: "Order",
  content: [{ type: "text/plain", value: "Thanks" }],
};

describe("sendgrid profile against the SendGrid dialect", () => {
  it("sends mail as JSON: 202, empty body, the message id as the request id", async () => {
    const { data, response } = await client.post("/v3/mail/send", { json: mail }).withResponse();
    expect(response.status).toBe(202);
    expect(data).toBeUndefined();
    expect(response.requestId).toBe(response.headers["x-message-id"]);
    expect(env.sim.state.mail[0]!.body).toEqual(mail);
    expect(env.sim.requests[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it("errors carry SendGrid's errors[]: messages joined, the first field as the code", async () => {
    const error = await httpFailure(client.post("/v3/mail/send", { json: { ...mail, subject: "", from: { email: "nope" } } }));
    expect(error.status).toBe(400);
    expect(error.apiCode).toBe("from.email");
    expect(error.apiMessage).toBe(
      "Does not contain a valid address.; The subject is required. You can get around this requirement if you use a template with a subject defined or if every personalization has a subject defined.",
    );
    expect(error.apiDetails?.errors).toHaveLength(2);
    const unauthorized = await httpFailure(sendgrid({ apiKey: "SG.bad", baseUrl: env.sim.url }).post("/v3/mail/send", { json: mail }));
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.apiMessage).toBe("The provided authorization grant is invalid, expired, or revoked");
  });

  it("never sends a mail twice: a 500 on mail send is not retried; reads are", async () => {
    env.sim.inject(500, { method: "POST" });
    expect((await httpFailure(client.post("/v3/mail/send", { json: mail }))).status).toBe(500);
    expect(env.sim.requests).toHaveLength(1);
    env.sim.inject(503, { times: 2, method: "GET" });
    expect(await client.get("/v3/marketing/lists")).toMatchObject({ result: [] });
    expect(env.sim.requests).toHaveLength(4);
  });

  it("X-RateLimit-* (reset in epoch seconds) pause the limiter until the reset: no request is rejected", async () => {
    const limited = await createApiSimulator({ provider: "sendgrid", rateLimit: { requests: 2, per: "1s" } });
    const c = sendgrid({ apiKey: KEY, baseUrl: limited.url });
    try {
      await c.post("/v3/mail/send", { json: mail });
      const { response } = await c.post("/v3/mail/send", { json: mail }).withResponse();
      expect(response.headers["x-ratelimit-remaining"]).toBe("0");
      const reset = Number(response.headers["x-ratelimit-reset"]) * 1000;
      await c.post("/v3/mail/send", { json: mail });
      expect(limited.rejected).toBe(0);
      // The third request waited for the reset the second response announced (both clocks are this machine's).
      expect(limited.requests[2]!.receivedAt).toBeGreaterThanOrEqual(reset - 5);
      const stats = c.stats().policies.rateLimit as { keys: Record<string, unknown> };
      expect(Object.keys(stats.keys).some((k) => k.includes("/v3/mail/send"))).toBe(true);
    } finally {
      await c.close();
      await limited.close();
    }
  });

  it("paginates marketing lists to the end with _metadata.next", async () => {
    for (let i = 0; i < 7; i++) await client.post("/v3/marketing/lists", { json: { name: `list ${i}` } });
    const names: string[] = [];
    for await (const list of client.paginate<{ name: string }>("/v3/marketing/lists", { query: { page_size: 3 } })) names.push(list.name);
    expect(names).toEqual(Array.from({ length: 7 }, (_, i) => `list ${i}`));
  });

  it("verifies the simulator's signed event webhook with the profile's scheme and the verification key", async () => {
    const sink = await webhookSink();
    try {
      await client.post("/v3/mail/send", { json: mail });
      await env.sim.deliverWebhook({ url: sink.url, kinds: ["processed", "delivered", "open"] });
      const delivery = sink.received[0]!;
      const verified = verifyWebhook<{ event: string }[]>({
        scheme: client.provider.webhookScheme!,
        payload: delivery.body,
        headers: delivery.headers,
        secret: env.sim.webhookPublicKey,
      });
      expect(verified.event.map((e) => e.event)).toEqual(["processed", "delivered", "open"]);
    } finally {
      await sink.close();
    }
  });
});
