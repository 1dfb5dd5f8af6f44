/**
 * Compatibility with the providers' official packages, both directions where
 * the package allows: what they sign, we verify; what we sign, they verify.
 */
import { createHmac } from "node:crypto";
import "@shopify/shopify-api/adapters/node";
import { sign as octokitSign, verify as octokitVerify } from "@octokit/webhooks-methods";
import { ApiVersion, shopifyApi } from "@shopify/shopify-api";
import { Webhook as StandardWebhook } from "standardwebhooks";
import Stripe from "stripe";
import { Webhook as SvixWebhook } from "svix";
import twilio from "twilio";
import { beforeAll, describe, expect, it } from "vitest";
import { createFakeClock } from "../../src/testing/fake-clock.js";
import { collect } from "../../src/util/collect.js";
import { signWebhook, twilioJsonUrl, verifyWebhook } from "../../src/webhooks/index.js";
import { useServer } from "../support/http-server.js";

const payload = JSON.stringify({ id: "evt_1", type: "invoice.paid", data: { object: { id: "in_1", amount: 100 } } }, null, 2);

describe("stripe package", () => {
  const stripe = new Stripe("sk_test_123");
  const secret = "whsec_test_secret";

  it("verifies a header made by stripe.webhooks.generateTestHeaderString", () => {
    const header = stripe.webhooks.generateTestHeaderString({ payload, secret });
    const out = verifyWebhook({ scheme: "stripe", payload, headers: { "Stripe-Signature": header }, secret });
    expect(out).toMatchObject({ id: "evt_1", type: "invoice.paid", scheme: "stripe" });
  });

  it("signs what stripe.webhooks.constructEvent accepts", () => {
    const headers = signWebhook({ scheme: "stripe", payload, secret });
    const event = stripe.webhooks.constructEvent(payload, headers["stripe-signature"] as string, secret);
    expect(event.id).toBe("evt_1");
  });

  it("both refuse a stale timestamp with the same 300 s default", () => {
    const timestamp = Math.floor(Date.now() / 1000) - 301;
    const header = stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp });
    expect(() => stripe.webhooks.constructEvent(payload, header, secret)).toThrow();
    expect(() => verifyWebhook({ scheme: "stripe", payload, headers: { "stripe-signature": header }, secret })).toThrow(
      expect.objectContaining({ reason: "timestamp_out_of_tolerance" }),
    );
  });
});

describe("@octokit/webhooks-methods", () => {
  const secret = "It's a Secret to Everybody";

  it("verifies octokit's signature", async () => {
    const signature = await octokitSign(secret, payload);
    const out = verifyWebhook({
      scheme: "github",
      payload,
      headers: { "x-hub-signature-256": signature, "x-github-delivery": "d-1", "x-github-event": "issues" },
      secret,
    });
    expect(out).toMatchObject({ id: "d-1", type: "issues" });
  });

  it("signs what octokit verifies", async () => {
    const headers = signWebhook({ scheme: "github", payload, secret, id: "d-2", type: "push" });
    expect(await octokitVerify(secret, payload, headers["x-hub-signature-256"] as string)).toBe(true);
  });

  it("matches GitHub's documented example (secret, 'Hello, World!')", () => {
    // https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries#testing-the-webhook-payload-validation
    const headers = signWebhook({ scheme: "github", payload: "Hello, World!", secret });
    expect(headers["x-hub-signature-256"]).toBe("sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17");
  });
});

describe("standardwebhooks and svix packages", () => {
  const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  const id = "msg_p5jXN8AQM9LWM0D4loKWxJek";

  for (const [name, Impl] of [
    ["standardwebhooks", StandardWebhook],
    ["svix", SvixWebhook],
  ] as const) {
    it(`verifies what ${name} signs`, () => {
      const now = new Date();
      const signature = new Impl(secret).sign(id, now, payload);
      const ts = String(Math.floor(now.getTime() / 1000));
      const out = verifyWebhook({
        scheme: "standard",
        payload,
        headers: { "webhook-id": id, "webhook-timestamp": ts, "webhook-signature": signature },
        secret,
      });
      expect(out.id).toBe(id);
    });

    it(`signs what ${name} verifies`, () => {
      const headers = signWebhook({ scheme: "standard", payload, secret, id });
      expect(new Impl(secret).verify(payload, headers)).toMatchObject({ id: "evt_1" });
    });
  }

  it("accepts svix-* header names", () => {
    const headers = signWebhook({ scheme: "standard", payload, secret, id });
    const svixHeaders = {
      "svix-id": headers["webhook-id"],
      "svix-timestamp": headers["webhook-timestamp"],
      "svix-signature": headers["webhook-signature"],
    };
    expect(new SvixWebhook(secret).verify(payload, svixHeaders as Record<string, string>)).toBeTruthy();
    expect(verifyWebhook({ scheme: "standard", payload, headers: svixHeaders, secret }).id).toBe(id);
  });

  it("accepts one matching signature among several in the header", () => {
    const headers = signWebhook({ scheme: "standard", payload, secret, id });
    const other = signWebhook({ scheme: "standard", payload, secret: "whsec_b3RoZXJzZWNyZXRvdGhlcnNlY3JldA==", id });
    const combined = `v1a,abc ${other["webhook-signature"]} ${headers["webhook-signature"]}`;
    expect(() => verifyWebhook({ scheme: "standard", payload, headers: { ...headers, "webhook-signature": combined }, secret })).not.toThrow();
  });
});

describe("twilio package", () => {
  const token = "12345";
  const url = "https://mycompany.com/myapp.php?foo=1&bar=2";
  const params = { CallSid: "CA1234567890ABCDE", Caller: "+12349013030", Digits: "1234", From: "+12349013030", To: "+18005551212" };
  const form = new URLSearchParams(params).toString();
  const formHeaders = { "content-type": "application/x-www-form-urlencoded" };

  it("computes the same signature as getExpectedTwilioSignature", () => {
    const headers = signWebhook({ scheme: "twilio", payload: form, secret: token, url });
    expect(headers["x-twilio-signature"]).toBe(twilio.getExpectedTwilioSignature(token, url, params));
  });

  it("verifies what getExpectedTwilioSignature computes, and signs what validateRequest accepts", () => {
    const signature = twilio.getExpectedTwilioSignature(token, url, params);
    const out = verifyWebhook({ scheme: "twilio", payload: form, headers: { ...formHeaders, "x-twilio-signature": signature }, secret: token, url });
    expect(out.event).toMatchObject(params);
    const mine = signWebhook({ scheme: "twilio", payload: form, secret: token, url });
    expect(twilio.validateRequest(token, mine["x-twilio-signature"] as string, url, params)).toBe(true);
  });

  it("handles repeated parameters as Twilio does", () => {
    const repeated = "To=%2B1&MediaUrl=b&MediaUrl=a&MediaUrl=b";
    const signature = twilio.getExpectedTwilioSignature(token, url, { To: "+1", MediaUrl: ["b", "a", "b"] });
    expect(() =>
      verifyWebhook({ scheme: "twilio", payload: repeated, headers: { ...formHeaders, "x-twilio-signature": signature }, secret: token, url }),
    ).not.toThrow();
  });

  it("yields the params as posted once verified: every field, repeated ones as a list in the order received", () => {
    const posted = "To=%2B1&MediaUrl=b&MediaUrl=a&MediaUrl=b&Body=hi+there%21";
    const signature = twilio.getExpectedTwilioSignature(token, url, { To: "+1", MediaUrl: ["b", "a", "b"], Body: "hi there!" });
    const headers = { ...formHeaders, "x-twilio-signature": signature };
    const { event } = verifyWebhook<Record<string, unknown>>({ scheme: "twilio", payload: posted, headers, secret: token, url });
    expect(Object.keys(event)).toEqual(["To", "MediaUrl", "Body"]);
    expect({ ...event }).toEqual({ To: "+1", MediaUrl: ["b", "a", "b"], Body: "hi there!" });
    // The same bytes verified twice give the same event each time.
    const bytes = Buffer.from(posted);
    const first = verifyWebhook({ scheme: "twilio", payload: bytes, headers, secret: token, url }).event;
    expect(verifyWebhook({ scheme: "twilio", payload: bytes, headers, secret: token, url }).event).toEqual(first);
    expect(verifyWebhook({ scheme: "twilio", payload: bytes, headers, secret: token, url, parse: false }).event).toBeUndefined();
  });

  it("accepts a URL signed with or without the default port", () => {
    const signature = twilio.getExpectedTwilioSignature(token, "https://mycompany.com:443/hook", params);
    expect(() =>
      verifyWebhook({
        scheme: "twilio",
        payload: form,
        headers: { ...formHeaders, "x-twilio-signature": signature },
        secret: token,
        url: "https://mycompany.com/hook",
      }),
    ).not.toThrow();
  });

  it("verifies the JSON body variant (bodySHA256) both ways", () => {
    const body = JSON.stringify({ MessageSid: "SM1", MessageStatus: "delivered" });
    const signedUrl = twilioJsonUrl("https://mycompany.com/hook", body);
    const signature = twilio.getExpectedTwilioSignature(token, signedUrl, {});
    const headers = { "content-type": "application/json", "x-twilio-signature": signature };
    expect(verifyWebhook({ scheme: "twilio", payload: body, headers, secret: token, url: signedUrl })).toMatchObject({ type: "message.delivered" });
    const mine = signWebhook({ scheme: "twilio", payload: body, secret: token, url: signedUrl });
    expect(twilio.validateRequestWithBody(token, mine["x-twilio-signature"] as string, signedUrl, body)).toBe(true);
    expect(() => verifyWebhook({ scheme: "twilio", payload: `${body} `, headers, secret: token, url: signedUrl })).toThrow(
      expect.objectContaining({ reason: "signature_mismatch" }),
    );
  });
});

describe("documented examples", () => {
  it("Slack: the example from 'Verifying requests from Slack'", () => {
    // https://api.slack.com/authentication/verifying-requests-from-slack
    const body =
      "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    const secret = "8f742231b10e8888abcd99yyyzzz85a5";
    const headers = {
      "x-slack-request-timestamp": "1531420618",
      "x-slack-signature": "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
      "content-type": "application/x-www-form-urlencoded",
    };
    const clock = createFakeClock(1531420618_000 + 10_000);
    const out = verifyWebhook({ scheme: "slack", payload: body, headers, secret, clock });
    expect(out).toMatchObject({ type: "slash_command", id: "398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c" });
    expect(signWebhook({ scheme: "slack", payload: body, secret, timestamp: 1531420618_000 })["x-slack-signature"]).toBe(headers["x-slack-signature"]);
  });

  it("Shopify: base64 HMAC-SHA256 of the raw body, computed as in Shopify's verification example", () => {
    // https://shopify.dev/docs/apps/build/webhooks/subscribe/https#step-2-validate-the-origin-of-your-webhook-to-ensure-its-coming-from-shopify
    const body = '{"id":820982911946154508,"email":"jon@example.com"}';
    const secret = "my_client_secret";
    const expected = createHmac("sha256", secret).update(body, "utf8").digest("base64");
    const headers = signWebhook({ scheme: "shopify", payload: body, secret, id: "w-1", type: "orders/create" });
    expect(headers["x-shopify-hmac-sha256"]).toBe(expected);
    const out = verifyWebhook({
      scheme: "shopify",
      payload: body,
      headers: { "X-Shopify-Hmac-Sha256": expected, "X-Shopify-Webhook-Id": "w-1", "X-Shopify-Topic": "orders/create" },
      secret,
    });
    expect(out).toMatchObject({ id: "w-1", type: "orders/create" });
  });
});

describe("@shopify/shopify-api package", () => {
  const secret = "shopify-app-secret";
  const shopify = shopifyApi({
    apiKey: "key",
    apiSecretKey: secret,
    scopes: [],
    hostName: "localhost",
    apiVersion: ApiVersion.July25,
    isEmbeddedApp: false,
    logger: { level: 0 },
  });
  // shopify.webhooks.validate reads a real node request: a loopback server answers with its verdict.
  const server = useServer(async (req, res) => {
    const rawBody = (await collect(req, 1 << 20)).toString("utf8");
    const verdict = await shopify.webhooks.validate({ rawBody, rawRequest: req, rawResponse: res });
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(verdict));
  });
  let url = "";
  beforeAll(() => {
    url = `${server.origin}/webhooks`;
  });

  const shop = { "x-shopify-shop-domain": "example.myshopify.com", "x-shopify-api-version": "2025-07" };
  const validate = async (body: string, headers: Record<string, string>) =>
    (await (await fetch(url, { method: "POST", body, headers })).json()) as { valid: boolean; topic?: string; webhookId?: string; reason?: string };

  it("validates what signWebhook signs", async () => {
    const body = '{"id":820982911946154508,"email":"jon@example.com"}';
    const headers = { ...signWebhook({ scheme: "shopify", payload: body, secret, id: "w-1", type: "orders/create" }), ...shop };
    expect(await validate(body, headers)).toMatchObject({ valid: true, topic: "ORDERS_CREATE", webhookId: "w-1" });
    // And refuses it once a byte changes: the check is real.
    expect(await validate(body.replace("jon", "jan"), headers)).toMatchObject({ valid: false, reason: "invalid_hmac" });
  });

  it("both accept the un-prefixed headers of Shopify's events deliveries", async () => {
    const body = '{"id":1,"title":"t"}';
    const signed = signWebhook({ scheme: "shopify", payload: body, secret, id: "w-2", type: "products/update" });
    const events = {
      "content-type": "application/json",
      "shopify-hmac-sha256": signed["x-shopify-hmac-sha256"] as string,
      "shopify-topic": "products/update",
      "shopify-webhook-id": "w-2",
      "shopify-event-id": "e-2",
      "shopify-shop-domain": "example.myshopify.com",
      "shopify-api-version": "2025-07",
    };
    expect(await validate(body, events)).toMatchObject({ valid: true, webhookId: "w-2" });
    expect(verifyWebhook({ scheme: "shopify", payload: body, headers: events, secret })).toMatchObject({ id: "w-2", type: "products/update" });
  });
});
