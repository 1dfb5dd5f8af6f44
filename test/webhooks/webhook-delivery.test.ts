import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deliverWebhook } from "../../src/testing/webhook-delivery.js";
import { createWebhookReceiver, memoryInbox } from "../../src/webhooks/index.js";

describe("deliverWebhook", () => {
  const inbox = memoryInbox();
  const receiver = createWebhookReceiver({ scheme: "standard", secret: "whsec_ZGVsaXZlcnktdGVzdC1zZWNyZXQ=", inbox, worker: false });
  const server = createServer(receiver.node);
  let url = "";
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  });
  afterAll(() => new Promise((r) => server.close(r)));

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
});
