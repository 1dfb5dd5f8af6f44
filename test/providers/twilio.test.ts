import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isNetworkError } from "../../src/index.js";
import { type TwilioClient, twilio } from "../../src/providers/index.js";
import { verifyWebhook } from "../../src/webhooks/index.js";
import { useSimulator } from "../support/simulator.js";
import { webhookSink } from "../testing/dialects/support.js";
import { httpFailure } from "./support.js";

interface Message {
  sid: string;
  status: string;
  num_media: string;
}

const env = useSimulator({ provider: "twilio" });
let client: TwilioClient;
const MESSAGES = "/2010-04-01/Accounts/:AccountSid/Messages.json";

beforeAll(() => {
  client = twilio({ accountSid: env.sim.accountSid, authToken: env.sim.authToken, baseUrl: env.sim.url, retry: { backoff: { base: 1, cap: 5 } } });
});
afterAll(() => client.close());

const send = (form: Record<string, string | string[]>) => client.post<Message>(MESSAGES, { params: { AccountSid: client.accountSid }, form });
const sms = { To: "+15558675310", From: "+15017122661", Body: "hi" };

describe("twilio profile against the Twilio dialect", () => {
  it("sends arrays as repeated keys (MediaUrl=a&MediaUrl=b), with basic auth", async () => {
    const message = await send({ ...sms, MediaUrl: ["https://example.com/a.png", "https://example.com/b.png"] });
    expect(message.num_media).toBe("2");
    const req = env.sim.requests[0]!;
    expect(new URLSearchParams(req.text()).getAll("MediaUrl")).toEqual(["https://example.com/a.png", "https://example.com/b.png"]);
    expect(req.text()).not.toContain("%5B");
  });

  it("errors carry Twilio's code, message and more_info", async () => {
    const missing = await httpFailure(
      client.get("/2010-04-01/Accounts/:AccountSid/Messages/:Sid.json", { params: { AccountSid: client.accountSid, Sid: `SM${"0".repeat(32)}` } }),
    );
    expect(missing.status).toBe(404);
    expect(missing.apiCode).toBe("20404");
    expect(missing.apiDetails).toMatchObject({ more_info: "https://www.twilio.com/docs/errors/20404" });
    expect(missing.requestId).toMatch(/^RQ[0-9a-f]{32}$/);
    const noBody = await httpFailure(send({ To: sms.To, From: sms.From }));
    expect(noBody.apiCode).toBe("21602");
    expect(noBody.apiMessage).toBe("Message body is required.");
  });

  it("retries reads through 503 and 429 bursts (Twilio's 20503/20429)", async () => {
    env.sim.inject(503, { times: 1 });
    env.sim.inject(429, { times: 1 });
    const page = await client.get<{ messages: unknown[] }>(MESSAGES, { params: { AccountSid: client.accountSid } });
    expect(page.messages).toEqual([]);
    expect(env.sim.requests).toHaveLength(3);
  });

  it("never repeats a message: a POST whose response is lost is not retried, and one message exists", async () => {
    env.sim.inject({ fault: "reset" }, { method: "POST", when: "after" });
    const error = await send(sms).catch((e: unknown) => e);
    expect(isNetworkError(error)).toBe(true);
    expect(env.sim.state.messages.size).toBe(1);
    env.sim.inject(500);
    expect((await httpFailure(send(sms))).status).toBe(500);
    expect(env.sim.requests.filter((r) => r.method === "POST")).toHaveLength(2);
  });

  it("paginates to the end by following next_page_uri", async () => {
    const sids: string[] = [];
    for (let i = 0; i < 7; i++) sids.push((await send({ ...sms, Body: `n${i}` })).sid);
    const listed: string[] = [];
    for await (const m of client.paginate<Message>(MESSAGES, { params: { AccountSid: client.accountSid }, query: { PageSize: 3 } })) listed.push(m.sid);
    expect(listed).toEqual([...sids].reverse());
    expect(env.sim.requests.filter((r) => r.method === "GET")).toHaveLength(3);
  });

  it("authenticates with an API key and secret", async () => {
    const keyed = twilio({ accountSid: env.sim.accountSid, apiKey: `SK${"1".repeat(32)}`, apiSecret: "s".repeat(32), baseUrl: env.sim.url });
    try {
      expect((await keyed.post<Message>(MESSAGES, { params: { AccountSid: keyed.accountSid }, form: sms })).status).toBe("queued");
      expect(env.sim.requests[0]!.headers.authorization).toBe(`Basic ${Buffer.from(`SK${"1".repeat(32)}:${"s".repeat(32)}`).toString("base64")}`);
    } finally {
      await keyed.close();
    }
  });

  it("verifies the simulator's signed status callback with the profile's webhook scheme", async () => {
    const sink = await webhookSink();
    try {
      await send({ ...sms, StatusCallback: sink.url });
      await env.sim.deliverWebhook({ status: "delivered" });
      const delivery = sink.received[0]!;
      const verified = verifyWebhook<Record<string, string>>({
        scheme: client.provider.webhookScheme!,
        payload: delivery.body,
        headers: delivery.headers,
        secret: env.sim.authToken,
        url: sink.url,
      });
      expect(verified.event.MessageStatus).toBe("delivered");
      expect(verified.type).toBe("message.delivered");
    } finally {
      await sink.close();
    }
  });
});
