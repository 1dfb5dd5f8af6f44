import twilio from "twilio";
import { beforeAll, describe, expect, it } from "vitest";
import { verifyWebhook } from "../../../src/webhooks/index.js";
import { useSimulator } from "../../support/simulator.js";
import { webhookSink } from "./support.js";

const env = useSimulator({ provider: "twilio" });
let client: twilio.Twilio;

beforeAll(() => {
  // The official SDK, unchanged but for its API domain's base URL.
  client = twilio(env.sim.accountSid, env.sim.authToken);
  client.api.baseUrl = env.sim.url;
});

const FROM = "+15017122661";
const TO = "+15558675310";

describe("twilio-node against the Twilio dialect", () => {
  it("creates messages (form body, basic auth) with repeated MediaUrl keys", async () => {
    const message = await client.messages.create({ to: TO, from: FROM, body: "Hello", mediaUrl: ["https://example.com/a.png", "https://example.com/b.png"] });
    expect(message.sid).toMatch(/^MM[0-9a-f]{32}$/);
    expect(message).toMatchObject({ status: "queued", to: TO, from: FROM, body: "Hello", numMedia: "2", accountSid: env.sim.accountSid });
    const [req] = env.sim.requests;
    expect(req!.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(req!.headers.authorization).toBe(`Basic ${Buffer.from(`${env.sim.accountSid}:${env.sim.authToken}`).toString("base64")}`);
    expect(new URLSearchParams(req!.text()).getAll("MediaUrl")).toEqual(["https://example.com/a.png", "https://example.com/b.png"]);
    expect((await client.messages(message.sid).fetch()).body).toBe("Hello");
  });

  it("lists every message across pages by following next_page_uri", async () => {
    const sids: string[] = [];
    for (let i = 0; i < 7; i++) sids.push((await client.messages.create({ to: TO, from: FROM, body: `n${i}` })).sid);
    const listed = await client.messages.list({ pageSize: 3 });
    expect(listed.map((m) => m.sid)).toEqual([...sids].reverse());
    const gets = env.sim.requests.filter((r) => r.method === "GET");
    expect(gets).toHaveLength(3);
    expect(gets[1]!.searchParams.get("PageToken")).toBe(`PA${sids[4]}`);
    const filtered = await client.messages.list({ to: "+15550000000" });
    expect(filtered).toEqual([]);
  });

  it("answers errors in Twilio's shape: RestException with code and more_info", async () => {
    const missing = await client
      .messages(`SM${"0".repeat(32)}`)
      .fetch()
      .catch((e: unknown) => e);
    expect(missing).toMatchObject({ status: 404, code: 20404, moreInfo: "https://www.twilio.com/docs/errors/20404" });
    const noBody = await client.messages.create({ to: TO, from: FROM }).catch((e: unknown) => e);
    expect(noBody).toMatchObject({ status: 400, code: 21602, message: "Message body is required." });
    const badTo = await client.messages.create({ to: "12", from: FROM, body: "x" }).catch((e: unknown) => e);
    expect(badTo).toMatchObject({ code: 21211 });
    const magic = await client.messages.create({ to: "+15005550009", from: FROM, body: "x" }).catch((e: unknown) => e);
    expect(magic).toMatchObject({ code: 21614 });
  });

  it("refuses a wrong token or another account's path with 20003", async () => {
    const wrong = twilio(env.sim.accountSid, "nope");
    wrong.api.baseUrl = env.sim.url;
    await expect(wrong.messages.list()).rejects.toMatchObject({ status: 401, code: 20003 });
    const other = twilio(`AC${"b".repeat(32)}`, "c".repeat(32));
    other.api.baseUrl = env.sim.url;
    await expect(other.api.v2010.accounts(env.sim.accountSid).messages.list()).rejects.toMatchObject({ code: 20003 });
  });

  it("accepts an API key and secret", async () => {
    const keyed = twilio(`SK${"1".repeat(32)}`, "s".repeat(32), { accountSid: env.sim.accountSid });
    keyed.api.baseUrl = env.sim.url;
    expect((await keyed.messages.create({ to: TO, from: FROM, body: "via key" })).body).toBe("via key");
  });

  it("fault injection: an injected 503 and 429 reach the SDK in Twilio's shape", async () => {
    env.sim.inject(503);
    await expect(client.messages.list()).rejects.toMatchObject({ status: 503, code: 20503 });
    env.sim.inject(429);
    await expect(client.messages.list()).rejects.toMatchObject({ status: 429, code: 20429 });
    expect(await client.messages.list()).toEqual([]);
  });
});

describe("status callbacks", () => {
  it("posts the callback to StatusCallback signed with the auth token; twilio.validateRequest and ballast verify it", async () => {
    const sink = await webhookSink();
    try {
      const message = await client.messages.create({ to: TO, from: FROM, body: "track me", statusCallback: sink.url });
      const result = await env.sim.deliverWebhook({ messageSid: message.sid, status: "delivered" });
      expect(result.status).toBe(200);
      const delivery = sink.received[0]!;
      const params = Object.fromEntries(new URLSearchParams(delivery.body.toString()));
      expect(params).toMatchObject({ MessageSid: message.sid, MessageStatus: "delivered", AccountSid: env.sim.accountSid });
      const signature = delivery.headers["x-twilio-signature"] as string;
      expect(twilio.validateRequest(env.sim.authToken, signature, sink.url, params)).toBe(true);
      const verified = verifyWebhook({ scheme: "twilio", payload: delivery.body, headers: delivery.headers, secret: env.sim.authToken, url: sink.url });
      expect(verified.type).toBe("message.delivered");
      expect((await client.messages(message.sid).fetch()).status).toBe("delivered");
    } finally {
      await sink.close();
    }
  });
});
