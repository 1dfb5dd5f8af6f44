import { mkdtempSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serve } from "@hono/node-server";
import express from "express";
import { Hono } from "hono";
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { createWebhookReceiver, memoryInbox, schemes, signWebhook, sqliteInbox, type WebhookInbox, type WebhookReceiver } from "../../src/webhooks/index.js";
import { adoptServer, startServer } from "../support/http-server.js";
import { useProcessWarnings } from "../support/process-warnings.js";
import { waitFor } from "../support/wait.js";

// Handlers here fail on purpose; the default report of a failure (a process warning) is tested in worker-report.test.ts.
useProcessWarnings("BALLAST_WEBHOOK_HANDLER_FAILED");

const SECRET = "whsec_dGVzdC1zZWNyZXQtdGVzdC1zZWNyZXQ=";
const dir = mkdtempSync(join(tmpdir(), "ballast-receiver-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function stripeDelivery(over: { id?: string; type?: string; timestamp?: number; body?: string } = {}) {
  const id = over.id ?? `evt_${++n}`;
  const body = over.body ?? JSON.stringify({ id, type: over.type ?? "invoice.paid", data: { object: { id: "in_1" } } }, null, 2);
  const headers = signWebhook({ scheme: "stripe", payload: body, secret: SECRET, ...(over.timestamp !== undefined && { timestamp: over.timestamp }) });
  return { id, body, headers };
}

/** Sends raw bytes over a socket: for truncated bodies and oversized headers that fetch will not send. */
function rawRequest(base: string, text: string, endEarly = false): Promise<string> {
  const { port } = new URL(base);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), "127.0.0.1", () => {
      socket.write(text);
      if (endEarly) socket.end();
    });
    let out = "";
    socket.on("data", (d) => {
      out += d.toString();
    });
    socket.on("close", () => resolve(out));
    socket.on("error", () => resolve(out));
    socket.setTimeout(2000, () => socket.destroy());
  });
}

interface Rig {
  base: string;
  inbox: WebhookInbox;
  receiver: WebhookReceiver;
  handled: string[];
  close(): Promise<void>;
}

async function nodeRig(name: string, extra: Partial<Parameters<typeof createWebhookReceiver>[0]> = {}): Promise<Rig> {
  const inbox = sqliteInbox(join(dir, `${name}.db`));
  const handled: string[] = [];
  const receiver = createWebhookReceiver({
    scheme: "stripe",
    secret: SECRET,
    inbox,
    maxBytes: 64 * 1024,
    handlers: { "invoice.paid": (_e, ctx) => void handled.push(ctx.id) },
    worker: { pollInterval: "50ms" },
    ...extra,
  });
  const server = await startServer(receiver.node);
  return {
    base: server.origin,
    inbox,
    receiver,
    handled,
    async close() {
      await server.close();
      await receiver.close();
    },
  };
}

const post = (url: string, body: string | Uint8Array, headers: Record<string, string>) => fetch(url, { method: "POST", body: body as BodyInit, headers });

describe("createWebhookReceiver over node:http", () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await nodeRig("node");
  });
  afterAll(() => rig.close());

  it("acknowledges with 200 after storing, then processes the event after the response", async () => {
    const d = stripeDelivery();
    const res = await post(`${rig.base}/hooks`, d.body, d.headers);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ received: true });
    // Acknowledged means committed: the record is readable at once.
    expect((await rig.inbox.get(d.id))?.payload.toString()).toBe(d.body);
    await expect.poll(() => rig.handled.includes(d.id)).toBe(true);
  });

  it("acknowledges a duplicate delivery without processing it again", async () => {
    const d = stripeDelivery();
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => post(`${rig.base}/hooks`, d.body, d.headers)));
    const bodies = await Promise.all([a, b, c].map((r) => r?.json()));
    expect([a, b, c].map((r) => r?.status)).toEqual([200, 200, 200]);
    expect(bodies.filter((x) => (x as { duplicate?: boolean }).duplicate)).toHaveLength(2);
    // once the one stored copy is processed nothing is left to run the handler again
    await expect.poll(async () => (await rig.inbox.get(d.id))?.status).toBe("done");
    expect(rig.handled.filter((h) => h === d.id)).toHaveLength(1);
  });

  it("stores and processes out-of-order deliveries (a later event first), each once", async () => {
    const older = stripeDelivery({ timestamp: Date.now() - 60_000 });
    const newer = stripeDelivery();
    expect((await post(`${rig.base}/hooks`, newer.body, newer.headers)).status).toBe(200);
    expect((await post(`${rig.base}/hooks`, older.body, older.headers)).status).toBe(200);
    await expect.poll(() => [older.id, newer.id].every((id) => rig.handled.includes(id))).toBe(true);
    expect(rig.handled.filter((h) => h === older.id || h === newer.id)).toHaveLength(2);
  });

  it("answers 405 to anything but POST", async () => {
    const res = await fetch(`${rig.base}/hooks`);
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST");
  });

  it("answers 413 over maxBytes, declared or streamed, and stores nothing", async () => {
    const big = JSON.stringify({ id: "evt_big", type: "invoice.paid", pad: "x".repeat(70 * 1024) });
    const headers = signWebhook({ scheme: "stripe", payload: big, secret: SECRET });
    expect((await post(`${rig.base}/hooks`, big, headers)).status).toBe(413);
    const stream = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode(big));
        c.close();
      },
    });
    const chunked = await fetch(`${rig.base}/hooks`, { method: "POST", body: stream, headers, duplex: "half" } as RequestInit);
    expect(chunked.status).toBe(413);
    expect(await rig.inbox.get("evt_big")).toBeUndefined();
  });

  it("answers 401 to forged and stale signatures, 400 to missing or malformed headers and invalid bodies, storing nothing", async () => {
    const forged = stripeDelivery();
    const tampered = forged.body.replace("invoice.paid", "invoice.void");
    expect((await post(`${rig.base}/hooks`, tampered, forged.headers)).status).toBe(401);

    const stale = stripeDelivery({ timestamp: Date.now() - 10 * 60_000 });
    const staleRes = await post(`${rig.base}/hooks`, stale.body, stale.headers);
    expect(staleRes.status).toBe(401);
    expect(await staleRes.json()).toEqual({ error: "timestamp_out_of_tolerance" });

    const missing = stripeDelivery();
    expect((await post(`${rig.base}/hooks`, missing.body, { "content-type": "application/json" })).status).toBe(400);
    expect((await post(`${rig.base}/hooks`, missing.body, { "content-type": "application/json", "stripe-signature": "garbage" })).status).toBe(400);

    const notJson = `{ "id": "evt_not_json", not json`;
    expect((await post(`${rig.base}/hooks`, notJson, signWebhook({ scheme: "stripe", payload: notJson, secret: SECRET }))).status).toBe(400);
    // {"id":"evt_bad_utf8","x":"<0xc3 0x28>"}: valid signature, invalid UTF-8.
    const badUtf8 = Buffer.concat([Buffer.from('{"id":"evt_bad_utf8","x":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
    const badRes = await post(`${rig.base}/hooks`, badUtf8, signWebhook({ scheme: "stripe", payload: badUtf8, secret: SECRET }));
    expect(badRes.status).toBe(400);
    expect(await badRes.json()).toEqual({ error: "invalid_payload" });

    for (const id of [forged.id, stale.id, missing.id, "evt_not_json", "evt_bad_utf8"]) expect(await rig.inbox.get(id)).toBeUndefined();
    expect((await rig.inbox.list()).map((e) => e.id)).not.toContain("evt_bad_utf8");
  });

  it("answers 415 to a correctly signed body of a content type the provider never sends, storing nothing", async () => {
    for (const type of ["text/plain", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded"]) {
      const d = stripeDelivery();
      const res = await post(`${rig.base}/hooks`, d.body, { ...d.headers, "content-type": type });
      expect(res.status).toBe(415);
      expect(await res.json()).toEqual({ error: "unsupported_media_type" });
      expect(await rig.inbox.get(d.id)).toBeUndefined();
    }
    // Parameters and case do not matter; a missing content type is let through to the JSON parser.
    const withCharset = stripeDelivery();
    expect((await post(`${rig.base}/hooks`, withCharset.body, { ...withCharset.headers, "content-type": "Application/JSON; charset=utf-8" })).status).toBe(200);
    const untyped = stripeDelivery();
    const raw = `POST /hooks HTTP/1.1\r\nhost: x\r\nstripe-signature: ${untyped.headers["stripe-signature"]}\r\ncontent-length: ${Buffer.byteLength(untyped.body)}\r\nconnection: close\r\n\r\n${untyped.body}`;
    expect(await rawRequest(rig.base, raw)).toMatch(/^HTTP\/1\.1 200/);
    expect(await rig.inbox.get(untyped.id)).toBeDefined();
  });

  it("answers 400 to a truncated body and 431 to huge headers, storing nothing", async () => {
    const d = stripeDelivery();
    const head = Object.entries(d.headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join("");
    const truncated = `POST /hooks HTTP/1.1\r\nhost: x\r\n${head}content-length: ${Buffer.byteLength(d.body)}\r\n\r\n${d.body.slice(0, 20)}`;
    expect(await rawRequest(rig.base, truncated, true)).toMatch(/^HTTP\/1\.1 400/);
    const huge = `POST /hooks HTTP/1.1\r\nhost: x\r\nx-pad: ${"a".repeat(64 * 1024)}\r\n${head}content-length: ${Buffer.byteLength(d.body)}\r\n\r\n${d.body}`;
    const answer = await rawRequest(rig.base, huge);
    expect(answer).toMatch(/^HTTP\/1\.1 431/);
    // both were refused before a handler ran, so nothing can be stored later
    expect(await rig.inbox.get(d.id)).toBeUndefined();
  });
});

describe("provider specifics", () => {
  it("slack: answers a signed url_verification with its challenge at once, storing nothing; a forged one gets 401", async () => {
    const rig = await nodeRig("slack", { scheme: "slack", secret: "slack-signing-secret" });
    try {
      const body = JSON.stringify({ token: "t", challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", type: "url_verification" });
      const headers = signWebhook({ scheme: "slack", payload: body, secret: "slack-signing-secret" });
      const res = await post(`${rig.base}/hooks`, body, headers);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" });
      const forged = signWebhook({ scheme: "slack", payload: body, secret: "another-secret" });
      expect((await post(`${rig.base}/hooks`, body, forged)).status).toBe(401);
      expect(await rig.inbox.list()).toEqual([]);
    } finally {
      await rig.close();
    }
  });

  it("github: reads the JSON of a form delivery's payload field, and refuses a form without one", async () => {
    const rig = await nodeRig("github-form", { scheme: "github", secret: "gh-secret", handlers: {} });
    try {
      const json = JSON.stringify({ action: "opened", number: 1 });
      const form = `payload=${encodeURIComponent(json)}`;
      const headers = {
        ...signWebhook({ scheme: "github", payload: form, secret: "gh-secret", id: "delivery-1", type: "pull_request" }),
        "content-type": "application/x-www-form-urlencoded",
      };
      expect((await post(`${rig.base}/hooks`, form, headers)).status).toBe(200);
      expect(await rig.inbox.get("delivery-1")).toMatchObject({ type: "pull_request.opened" });

      const noPayload = `action=opened`;
      const bad = {
        ...signWebhook({ scheme: "github", payload: noPayload, secret: "gh-secret", id: "delivery-2", type: "pull_request" }),
        "content-type": "application/x-www-form-urlencoded",
      };
      const res = await post(`${rig.base}/hooks`, noPayload, bad);
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: "invalid_payload" });
      expect(await rig.inbox.get("delivery-2")).toBeUndefined();
    } finally {
      await rig.close();
    }
  });
});

describe("fast acknowledgement", () => {
  it("answers 200 while the handler is still running", async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let started = false;
    let finished = false;
    const inbox = sqliteInbox(join(dir, "fast-ack.db"));
    const receiver = createWebhookReceiver({
      scheme: "stripe",
      secret: SECRET,
      inbox,
      handlers: {
        "invoice.paid": async () => {
          started = true;
          await gate;
          finished = true;
        },
      },
    });
    const d = stripeDelivery();
    const r = await receiver.handle({ method: "POST", url: "http://x/hooks", headers: d.headers, body: Buffer.from(d.body) });
    expect(r.status).toBe(200);
    await expect.poll(() => started).toBe(true);
    expect(finished).toBe(false);
    expect((await inbox.get(d.id))?.status).toBe("processing");
    release();
    await expect.poll(async () => (await inbox.get(d.id))?.status).toBe("done");
    await receiver.close();
  });
});

describe("ordering keys", () => {
  it("stores the key computed from the verified event", async () => {
    const inbox = sqliteInbox(join(dir, "ordering.db"));
    const receiver = createWebhookReceiver({
      scheme: "stripe",
      secret: SECRET,
      inbox,
      worker: false,
      orderingKey: (v) => v.event.data.object.id,
    });
    const d = stripeDelivery();
    await receiver.handle({ method: "POST", url: "http://x/hooks", headers: d.headers, body: Buffer.from(d.body) });
    expect((await inbox.get(d.id))?.orderingKey).toBe("in_1");
    await receiver.close();
  });
});

describe("one parse per delivery", () => {
  /** The Stripe scheme, counting its parses. */
  function countingStripe() {
    const counted = { parses: 0, scheme: { ...schemes.stripe } };
    counted.scheme.parse = (payload, header) => {
      counted.parses++;
      return schemes.stripe.parse(payload, header);
    };
    return counted;
  }

  it("the receiver's worker handles the event the receiver parsed, without parsing the payload again", async () => {
    const stripe = countingStripe();
    const seen: unknown[] = [];
    const receiver = createWebhookReceiver({
      scheme: stripe.scheme,
      secret: SECRET,
      inbox: memoryInbox(),
      handlers: { "invoice.paid": (event) => void seen.push(event) },
    });
    onTestFinished(() => receiver.close());
    const d = stripeDelivery();
    const r = await receiver.handle({ method: "POST", url: "http://x/hooks", headers: d.headers, body: Buffer.from(d.body) });
    expect(r.status).toBe(200);
    await waitFor(() => seen.length === 1, { what: "the handler to run" });
    expect(seen[0]).toMatchObject({ id: d.id, type: "invoice.paid" });
    expect(stripe.parses).toBe(1);
  });

  it("a retry parses the stored payload afresh: a failed attempt's changes to the event do not carry over", async () => {
    const stripe = countingStripe();
    const attempts: Array<{ touched: unknown }> = [];
    const receiver = createWebhookReceiver({
      scheme: stripe.scheme,
      secret: SECRET,
      inbox: memoryInbox(),
      worker: { backoff: () => 10 },
      handlers: {
        "invoice.paid": (event) => {
          const e = event as unknown as { touched?: boolean };
          attempts.push({ touched: e.touched });
          e.touched = true;
          if (attempts.length === 1) throw new Error("first attempt fails");
        },
      },
    });
    onTestFinished(() => receiver.close());
    const d = stripeDelivery();
    await receiver.handle({ method: "POST", url: "http://x/hooks", headers: d.headers, body: Buffer.from(d.body) });
    await waitFor(() => attempts.length === 2, { what: "the retry" });
    expect(attempts).toEqual([{ touched: undefined }, { touched: undefined }]);
    expect(stripe.parses).toBe(2);
  });
});

describe("the node adapter's view of the request", () => {
  it("signs Twilio's URL from Host and the first X-Forwarded-Proto behind a proxy, and answers with the exact content-length", async () => {
    const inbox = memoryInbox();
    const receiver = createWebhookReceiver({ scheme: "twilio", secret: "auth-token", inbox, worker: false });
    const server = await startServer(receiver.node);
    onTestFinished(async () => {
      await server.close();
      await receiver.close();
    });
    const form = "MessageSid=SM1&MessageStatus=delivered&Body=h%C3%A9";
    const signed = signWebhook({ scheme: "twilio", payload: form, secret: "auth-token", url: "https://hooks.example.com/sms?tenant=1" });
    const send = (forwardedProto: string | undefined, token: string) =>
      rawRequest(
        server.origin,
        "POST /sms?tenant=1 HTTP/1.1\r\nHost: hooks.example.com\r\nConnection: close\r\n" +
          `${forwardedProto === undefined ? "" : `X-Forwarded-Proto: ${forwardedProto}\r\n`}` +
          `Content-Type: application/x-www-form-urlencoded\r\nX-Twilio-Signature: ${signed["x-twilio-signature"]}\r\n` +
          `I-Twilio-Idempotency-Token: ${token}\r\nContent-Length: ${Buffer.byteLength(form)}\r\n\r\n${form}`,
      );
    const accepted = await send("https, http", "tok-proxy");
    expect(accepted).toMatch(/^HTTP\/1\.1 200 /);
    const [head, body] = accepted.split("\r\n\r\n") as [string, string];
    expect(head.toLowerCase()).toContain(`content-length: ${Buffer.byteLength(body)}\r\n`);
    expect(head.toLowerCase()).toContain("content-type: application/json");
    expect(JSON.parse(body)).toEqual({ received: true });
    expect(await inbox.get("tok-proxy")).toMatchObject({ type: "message.delivered", headers: { "x-forwarded-proto": "https, http" } });
    // Without the proxy's header the URL is http://: not the one Twilio signed.
    expect(await send(undefined, "tok-direct")).toMatch(/^HTTP\/1\.1 401 /);
    expect(await inbox.get("tok-direct")).toBeUndefined();
  });
});

describe("storage failures", () => {
  it("answers 503 when the inbox cannot commit, so the provider retries", async () => {
    const broken = { ...sqliteInbox(join(dir, "broken.db")), put: async () => Promise.reject(new Error("disk full")) } as WebhookInbox;
    const errors: unknown[] = [];
    const receiver = createWebhookReceiver({ scheme: "stripe", secret: SECRET, inbox: broken, worker: false, onError: (e) => errors.push(e) });
    const d = stripeDelivery();
    const r = await receiver.handle({ method: "POST", url: "http://x/hooks", headers: d.headers, body: Buffer.from(d.body) });
    expect(r.status).toBe(503);
    expect(errors).toHaveLength(1);
  });
});

describe("framework adapters keep the raw body", () => {
  let closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of closers) await c();
    closers = [];
  });

  function receiverFor(name: string) {
    const inbox = sqliteInbox(join(dir, `${name}.db`));
    const handled: string[] = [];
    const receiver = createWebhookReceiver({ scheme: "stripe", secret: SECRET, inbox, handlers: { "invoice.paid": (_e, ctx) => void handled.push(ctx.id) } });
    closers.push(() => receiver.close());
    return { receiver, inbox, handled };
  }

  it("express: mounted before express.json(), with express.raw(), and refusing a parsed body", async () => {
    const { receiver, inbox, handled } = receiverFor("express");
    const app = express();
    app.post("/hooks", receiver.express());
    app.post("/raw-hooks", express.raw({ type: "*/*" }), receiver.express());
    app.use(express.json());
    app.post("/parsed-hooks", receiver.express());
    const server = await adoptServer(app.listen(0, "127.0.0.1"));
    closers.push(server.close);
    const base = server.origin;

    const a = stripeDelivery();
    expect((await post(`${base}/hooks`, a.body, a.headers)).status).toBe(200);
    const b = stripeDelivery();
    expect((await post(`${base}/raw-hooks`, b.body, b.headers)).status).toBe(200);
    const c = stripeDelivery();
    const parsed = await post(`${base}/parsed-hooks`, c.body, { ...c.headers, "content-type": "application/json" });
    expect(parsed.status).toBe(500);
    expect(await parsed.json()).toMatchObject({ error: "raw_body_unavailable" });
    expect(await inbox.get(c.id)).toBeUndefined();
    await expect.poll(() => handled.sort()).toEqual([a.id, b.id].sort());
  });

  it("hono (fetch handler) on @hono/node-server", async () => {
    const { receiver, inbox, handled } = receiverFor("hono");
    const app = new Hono();
    app.post("/hooks", (c) => receiver.fetch(c.req.raw));
    const server = await adoptServer(serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }) as Server);
    closers.push(server.close);
    const base = server.origin;

    const d = stripeDelivery();
    expect((await post(`${base}/hooks`, d.body, d.headers)).status).toBe(200);
    expect((await post(`${base}/hooks`, d.body, d.headers)).status).toBe(200);
    expect((await post(`${base}/hooks`, `${d.body} `, d.headers)).status).toBe(401);
    expect(await inbox.get(d.id)).toBeDefined();
    await expect.poll(() => handled).toEqual([d.id]);
  });

  it("fetch handler: 405, 413 and the signed URL for Twilio", async () => {
    const inbox = sqliteInbox(join(dir, "twilio.db"));
    const receiver = createWebhookReceiver({ scheme: "twilio", secret: "auth-token", inbox, worker: false, maxBytes: 1024 });
    closers.push(() => receiver.close());
    const url = "https://example.com/sms?tenant=1";
    const form = "MessageSid=SM1&MessageStatus=delivered&Body=hi";
    const headers = { ...signWebhook({ scheme: "twilio", payload: form, secret: "auth-token", url }), "i-twilio-idempotency-token": "tok-1" };
    expect((await receiver.fetch(new Request(url, { method: "POST", body: form, headers }))).status).toBe(200);
    expect(await inbox.get("tok-1")).toMatchObject({ type: "message.delivered" });
    expect((await receiver.fetch(new Request("https://example.com/other", { method: "POST", body: form, headers }))).status).toBe(401);
    expect((await receiver.fetch(new Request(url))).status).toBe(405);
    expect((await receiver.fetch(new Request(url, { method: "POST", body: "x".repeat(2000), headers }))).status).toBe(413);
  });
});
