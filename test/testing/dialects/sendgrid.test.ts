import { createRequire } from "node:module";
import type { Client } from "@sendgrid/client";
import { EventWebhook } from "@sendgrid/eventwebhook";
import { beforeAll, describe, expect, it } from "vitest";
import { createApiSimulator } from "../../../src/testing/index.js";
import { verifyWebhook } from "../../../src/webhooks/index.js";
import { useSimulator } from "../../support/simulator.js";
import { webhookSink } from "./support.js";

// The package exports a ready instance; its class (for clients of their own) sits beside it.
const SendgridClient = createRequire(import.meta.url)("@sendgrid/client/src/classes/client") as new () => Client;

const env = useSimulator({ provider: "sendgrid" });
const client = new SendgridClient();

beforeAll(() => {
  // The official SDK, unchanged but for its base URL.
  client.setApiKey("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");
  client.setDefaultRequest("baseUrl", env.sim.url);
});

const mail = {
  personalizations: [{ to: [{ email: "ada@example.com" }, { email: "bob@example.com" }] }],
  from: { email: "shop@example.com", name: "Shop" },
  subject: "Your order",
  content: [{ type: "text/plain", value: "Thanks!" }],
};

describe("@sendgrid/client against the SendGrid dialect", () => {
  it("mail send answers 202 with an empty body and X-Message-Id", async () => {
    const [response, body] = await client.request({ method: "POST", url: "/v3/mail/send", body: mail });
    expect(response.statusCode).toBe(202);
    expect(body).toBe("");
    expect(response.headers["x-message-id"]).toMatch(/^[A-Za-z0-9]{22}$/);
    expect(env.sim.state.mail).toHaveLength(1);
    expect(env.sim.state.mail[0]).toMatchObject({ messageId: response.headers["x-message-id"], recipients: ["ada@example.com", "bob@example.com"] });
    expect(response.headers["x-ratelimit-limit"]).toBe("600");
    expect(Number(response.headers["x-ratelimit-reset"])).toBeGreaterThan(Date.now() / 1000);
  });

  it("validation errors come back as { errors: [{ field, message, help }] }", async () => {
    const error = (await client
      .request({ method: "POST", url: "/v3/mail/send", body: { ...mail, from: undefined, subject: "" } })
      .catch((e: unknown) => e)) as {
      code: number;
      response: { body: { errors: { field: string; message: string }[] } };
    };
    expect(error.code).toBe(400);
    expect(error.response.body.errors.map((e) => e.field)).toEqual(["from.email", "subject"]);
    expect(env.sim.state.mail).toHaveLength(0);
  });

  it("refuses a key that is not an API key with 401", async () => {
    const bad = new SendgridClient();
    bad.setApiKey("SG.only-one-part");
    bad.setDefaultRequest("baseUrl", env.sim.url);
    const error = (await bad.request({ method: "POST", url: "/v3/mail/send", body: mail }).catch((e: unknown) => e)) as {
      code: number;
      response: { body: unknown };
    };
    expect(error.code).toBe(401);
    expect(error.response.body).toEqual({ errors: [{ field: null, message: "The provided authorization grant is invalid, expired, or revoked" }] });
  });

  it("fault injection: an injected 500 and a reset reach the SDK", async () => {
    env.sim.inject(500);
    const error = (await client.request({ method: "POST", url: "/v3/mail/send", body: mail }).catch((e: unknown) => e)) as {
      code: number;
      response: { body: unknown };
    };
    expect(error.code).toBe(500);
    expect(error.response.body).toEqual({ errors: [{ field: null, message: "internal server error" }] });
    env.sim.inject({ fault: "reset" });
    await expect(client.request({ method: "POST", url: "/v3/mail/send", body: mail })).rejects.toMatchObject({ code: "ECONNRESET" });
    expect(env.sim.state.mail).toHaveLength(0);
  });

  it("rate limits per endpoint with X-RateLimit-* and a 429 in SendGrid's shape", async () => {
    const limited = await createApiSimulator({ provider: "sendgrid", rateLimit: { requests: 2, per: "1m" } });
    try {
      const c = new SendgridClient();
      c.setApiKey("SG.abc.def");
      c.setDefaultRequest("baseUrl", limited.url);
      await c.request({ method: "POST", url: "/v3/mail/send", body: mail });
      const [second] = await c.request({ method: "POST", url: "/v3/mail/send", body: mail });
      expect(second.headers["x-ratelimit-remaining"]).toBe("0");
      const third = (await c.request({ method: "POST", url: "/v3/mail/send", body: mail }).catch((e: unknown) => e)) as {
        code: number;
        response: { body: unknown };
      };
      expect(third.code).toBe(429);
      expect(third.response.body).toEqual({ errors: [{ field: null, message: "too many requests" }] });
      // Another endpoint has its own budget.
      const [lists] = await c.request({ method: "GET", url: "/v3/marketing/lists" });
      expect(lists.statusCode).toBe(200);
    } finally {
      await limited.close();
    }
  });
});

describe("signed event webhook", () => {
  it("delivers events of a sent mail signed with ECDSA; @sendgrid/eventwebhook and ballast verify them", async () => {
    const sink = await webhookSink();
    try {
      const [response] = await client.request({ method: "POST", url: "/v3/mail/send", body: mail });
      await env.sim.deliverWebhook({ url: sink.url, kinds: ["delivered"] });
      const delivery = sink.received[0]!;
      const signature = delivery.headers["x-twilio-email-event-webhook-signature"] as string;
      const timestamp = delivery.headers["x-twilio-email-event-webhook-timestamp"] as string;
      const ew = new EventWebhook();
      expect(ew.verifySignature(ew.convertPublicKeyToECDSA(env.sim.webhookPublicKey), delivery.body, signature, timestamp)).toBe(true);
      const verified = verifyWebhook<{ email: string; sg_message_id: string }[]>({
        scheme: "sendgrid",
        payload: delivery.body,
        headers: delivery.headers,
        secret: env.sim.webhookPublicKey,
      });
      expect(verified.type).toBe("delivered");
      expect(verified.event.map((e) => e.email)).toEqual(["ada@example.com", "bob@example.com"]);
      expect(verified.event[0]!.sg_message_id.startsWith(response.headers["x-message-id"] as string)).toBe(true);
    } finally {
      await sink.close();
    }
  });
});
