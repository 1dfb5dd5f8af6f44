import type { Server } from "node:http";
import { serve } from "@hono/node-server";
import express from "express";
import { Hono } from "hono";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/errors.js";
import type { Duration } from "../../src/util/duration.js";
import { createWebhookReceiver, memoryInbox, signWebhook, type WebhookInbox, type WebhookReceiver } from "../../src/webhooks/index.js";
import { adoptServer, startServer, type TestServer } from "../support/http-server.js";
import { requestHead, trickle } from "../support/slow-client.js";

const SECRET = "whsec_dGVzdC1zZWNyZXQtdGVzdC1zZWNyZXQ=";
const DEADLINE_MS = 400;
// The answer must come at the deadline, not when the body would have ended (minutes at 1 byte/s); the slack is for a loaded machine.
const SLACK_MS = 1500;

let n = 0;
function delivery() {
  const id = `evt_slow_${++n}`;
  const body = JSON.stringify({ id, type: "invoice.paid", data: { object: { id: "in_1" } } });
  return { id, body, headers: { ...signWebhook({ scheme: "stripe", payload: body, secret: SECRET }), "content-type": "application/json" } };
}

const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

function receiverWith(bodyTimeout: Duration = DEADLINE_MS): { receiver: WebhookReceiver; inbox: WebhookInbox } {
  const inbox = memoryInbox();
  const receiver = createWebhookReceiver({ scheme: "stripe", secret: SECRET, inbox, worker: false, bodyTimeout });
  closers.push(() => receiver.close());
  return { receiver, inbox };
}

/** The server's origin; it is closed after the test. */
async function serving(started: Promise<TestServer>): Promise<string> {
  const server = await started;
  closers.push(server.close);
  return server.origin;
}

/** A signed delivery whose body trickles at 1 byte/s, and a normal one sent while it does. */
async function slowAndNormal(base: string, path: string) {
  const slow = delivery();
  const normal = delivery();
  const trickled = trickle(base, requestHead(path, slow.headers, Buffer.byteLength(slow.body)), slow.body, { everyMs: 1000, giveUpMs: 20_000 });
  const sent = await fetch(`${base}${path}`, { method: "POST", body: normal.body, headers: normal.headers });
  return { slow, normal, normalStatus: sent.status, answer: await trickled };
}

describe("a delivery's body must arrive within bodyTimeout", () => {
  it("node: a body trickled at 1 byte/s is answered 408 at the deadline and the connection closed; nothing stored; a normal delivery meanwhile is stored", async () => {
    const { receiver, inbox } = receiverWith();
    const base = await serving(startServer(receiver.node));
    const { slow, normal, normalStatus, answer } = await slowAndNormal(base, "/hooks");

    expect(answer.status).toBe(408);
    expect(answer.text).toContain('{"error":"body_timeout"}');
    expect(answer.answeredAfter).toBeGreaterThanOrEqual(DEADLINE_MS - 5);
    expect(answer.answeredAfter).toBeLessThan(DEADLINE_MS + SLACK_MS);
    expect(answer.closedAfter).toBeLessThan(DEADLINE_MS + SLACK_MS);
    expect(answer.sentBeforeAnswer).toBeLessThan(Buffer.byteLength(slow.body));
    expect(normalStatus).toBe(200);
    expect(await inbox.get(slow.id)).toBeUndefined();
    expect((await inbox.list()).map((e) => e.id)).toEqual([normal.id]);
  });

  it("express: the same when the receiver reads the body itself", async () => {
    const { receiver, inbox } = receiverWith();
    const app = express();
    app.post("/hooks", receiver.express());
    const base = await serving(adoptServer(app.listen(0, "127.0.0.1")));
    await new Promise((r) => setImmediate(r));
    const { slow, normal, normalStatus, answer } = await slowAndNormal(base, "/hooks");

    expect(answer.status).toBe(408);
    expect(answer.answeredAfter).toBeLessThan(DEADLINE_MS + SLACK_MS);
    expect(normalStatus).toBe(200);
    expect(await inbox.get(slow.id)).toBeUndefined();
    expect((await inbox.list()).map((e) => e.id)).toEqual([normal.id]);
  });

  it("fetch (on @hono/node-server): answered 408 at the deadline; nothing stored", async () => {
    const { receiver, inbox } = receiverWith("400ms");
    const app = new Hono();
    app.post("/hooks", (c) => receiver.fetch(c.req.raw));
    const base = await serving(adoptServer(serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }) as Server));
    const { slow, normal, normalStatus, answer } = await slowAndNormal(base, "/hooks");

    expect(answer.status).toBe(408);
    expect(answer.text).toContain('{"error":"body_timeout"}');
    expect(answer.answeredAfter).toBeLessThan(DEADLINE_MS + SLACK_MS);
    expect(normalStatus).toBe(200);
    expect(await inbox.get(slow.id)).toBeUndefined();
    expect((await inbox.list()).map((e) => e.id)).toEqual([normal.id]);
  });

  it("a body that arrives in time is not cut, however it is split", async () => {
    const { receiver, inbox } = receiverWith("2s");
    const base = await serving(startServer(receiver.node));
    const d = delivery();
    const answer = await trickle(base, requestHead("/hooks", { ...d.headers, connection: "close" }, Buffer.byteLength(d.body)), d.body, {
      everyMs: 0,
      giveUpMs: 5000,
    });
    expect(answer.status).toBe(200);
    expect(await inbox.get(d.id)).toBeDefined();
  });

  it("must be a positive duration: anything else is a ConfigError naming bodyTimeout", () => {
    const inbox = memoryInbox();
    expect(() => createWebhookReceiver({ scheme: "stripe", secret: SECRET, inbox, worker: false })).not.toThrow();
    for (const bad of [0, -1, Number.NaN, "soon", "0s"]) {
      expect(() => createWebhookReceiver({ scheme: "stripe", secret: SECRET, inbox, worker: false, bodyTimeout: bad as never })).toThrow(
        expect.objectContaining({ name: ConfigError.name, option: "bodyTimeout" }),
      );
    }
  });
});
