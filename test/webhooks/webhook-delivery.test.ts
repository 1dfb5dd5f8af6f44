import { beforeAll, describe, expect, it } from "vitest";
import { deliverWebhook } from "../../src/testing/webhook-delivery.js";
import { createWebhookReceiver, memoryInbox, signWebhook, verifyWebhook } from "../../src/webhooks/index.js";
import { useServer } from "../support/http-server.js";

describe("deliverWebhook", () => {
  const inbox = memoryInbox();
  const receiver = createWebhookReceiver({ scheme: "standard", secret: "whsec_ZGVsaXZlcnktdGVzdC1zZWNyZXQ=", inbox, worker: false });
  const server = useServer(receiver.node);
  let url = "";
  beforeAll(() => {
    url = `${server.origin}/hooks`;
  });

  it("delivers a signed event that the receiver stores", async () => {
    const r = await deliverWebhook({ url, scheme: "standard", secret: "whsec_ZGVsaXZlcnktdGVzdC1zZWNyZXQ=", id: "msg_1", payload: { type: "user.created" } });
    expect(r.status).toBe(200);
    expect(await inbox.get("msg_1")).toMatchObject({ type: "user.created" });
  });

  it("can forge and age deliveries", async () => {
    const secret = "whsec_ZGVsaXZlcnktdGVzdC1zZWNyZXQ=";
    expect((await deliverWebhook({ url, scheme: "standard", secret, id: "msg_2", payload: { type: "x" }, tamper: true })).status).toBe(401);
    expect((await deliverWebhook({ url, scheme: "standard", secret, id: "msg_3", payload: { type: "x" }, timestamp: Date.now() - 3_600_000 })).status).toBe(
      401,
    );
    expect(await inbox.get("msg_2")).toBeUndefined();
    expect(await inbox.get("msg_3")).toBeUndefined();
  });

  it("resolves with the receiver's status, lower-case headers and body text, whatever the status", async () => {
    const secret = "whsec_ZGVsaXZlcnktdGVzdC1zZWNyZXQ=";
    const ok = await deliverWebhook({ url, scheme: "standard", secret, id: "msg_4", payload: { type: "x" } });
    expect(ok).toEqual({ status: 200, headers: expect.objectContaining({ "content-type": expect.any(String) }), body: expect.any(String) });
    const refused = await deliverWebhook({ url, scheme: "standard", secret, id: "msg_5", payload: { type: "x" }, tamper: true });
    expect(refused.status).toBe(401);
    expect(JSON.parse(refused.body)).toMatchObject({ error: expect.any(String) });
  });

  it("takes the signing time as a Date: ten minutes ago is stale for a scheme that signs seconds", async () => {
    const secret = "whsec_ZGVsaXZlcnktdGVzdC1zZWNyZXQ=";
    const tenMinutesAgo = new Date(Date.now() - 10 * 60_000);
    const stale = await deliverWebhook({ url, scheme: "standard", secret, id: "msg_6", payload: { type: "x" }, timestamp: tenMinutesAgo });
    expect(stale.status).toBe(401);
    const recent = await deliverWebhook({ url, scheme: "standard", secret, id: "msg_7", payload: { type: "x" }, timestamp: new Date(Date.now() - 60_000) });
    expect(recent.status).toBe(200);
  });
});

describe("signing time", () => {
  const payload = JSON.stringify({ id: "evt_1", type: "invoice.paid" });
  const secret = "whsec_test";

  it("a Date and the same time in ms sign the same Stripe t= (seconds)", () => {
    const at = new Date("2026-01-02T03:04:05.678Z");
    const fromDate = signWebhook({ scheme: "stripe", payload, secret, timestamp: at })["stripe-signature"];
    const fromMs = signWebhook({ scheme: "stripe", payload, secret, timestamp: at.getTime() })["stripe-signature"];
    expect(fromDate).toBe(fromMs);
    expect(fromDate).toMatch(new RegExp(`^t=${Math.floor(at.getTime() / 1000)},v1=`));
    const verified = verifyWebhook({ scheme: "stripe", payload, headers: { "stripe-signature": fromDate! }, secret, tolerance: false });
    expect(verified.timestamp).toBe(Math.floor(at.getTime() / 1000) * 1000);
  });

  it("refuses a number that looks like seconds, with a ConfigError naming timestamp and the fix", () => {
    const seconds = Math.floor(Date.now() / 1000) - 600;
    expect(() => signWebhook({ scheme: "stripe", payload, secret, timestamp: seconds })).toThrow(
      expect.objectContaining({ code: "BALLAST_CONFIG", option: "timestamp", message: expect.stringContaining("looks like seconds") }),
    );
    expect(() => signWebhook({ scheme: "stripe", payload, secret, timestamp: new Date(Number.NaN) })).toThrow(expect.objectContaining({ option: "timestamp" }));
  });

  it("deliverWebhook refuses seconds before sending anything", async () => {
    await expect(deliverWebhook({ url: "http://127.0.0.1:9/never", scheme: "stripe", secret, payload, timestamp: 1_700_000_000 })).rejects.toMatchObject({
      option: "timestamp",
    });
  });
});
