import { createHmac } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { isConfigError } from "../../src/errors.js";
import { redactFields } from "../../src/redact.js";
import { createWebhookReceiver, memoryInbox, signWebhook, verifyWebhook, type WebhookInbox } from "../../src/webhooks/index.js";
import { thrownBy } from "../support/failure.js";
import { startServer, type TestServer } from "../support/http-server.js";

const strong = `whsec_${Buffer.from("0123456789abcdef").toString("base64")}`;

describe("weak or malformed webhook secrets are ConfigErrors", () => {
  const payload = '{"type":"x"}';
  for (const secret of ["whsec_ab", "whsec_dGVzdA==", "whsec_", "whsec_!!!!", `whsec_${Buffer.alloc(15, 7).toString("base64")}`, "x"]) {
    it(`standard refuses ${JSON.stringify(secret)} (under 16 bytes of key, or not base64)`, () => {
      const err = thrownBy(() => verifyWebhook({ scheme: "standard", payload, headers: {}, secret }));
      expect(isConfigError(err)).toBe(true);
      expect((err as { option: string }).option).toBe("secret");
      expect(isConfigError(thrownBy(() => signWebhook({ scheme: "standard", payload, secret })))).toBe(true);
    });
  }

  it("standard accepts 16 bytes of key and more", () => {
    const headers = signWebhook({ scheme: "standard", payload, secret: strong });
    expect(verifyWebhook({ scheme: "standard", payload, headers, secret: strong }).event).toEqual({ type: "x" });
  });

  it("a 1-byte whsec_ key, which 256 guesses would forge, is never usable", () => {
    // What an attacker does: try every one-byte key.
    for (let b = 0; b < 256; b++) {
      const secret = `whsec_${Buffer.from([b]).toString("base64")}`;
      expect(isConfigError(thrownBy(() => verifyWebhook({ scheme: "standard", payload, headers: {}, secret })))).toBe(true);
    }
  });

  for (const scheme of ["stripe", "github", "slack", "standard"] as const) {
    it(`${scheme}: whitespace-only secrets and non-string/bytes secrets are ConfigErrors, not TypeErrors`, () => {
      for (const secret of [" ", "\t\n", null, 0, {}, 42n, [" "], [null], []] as unknown[]) {
        const err = thrownBy(() => verifyWebhook({ scheme, payload, headers: {}, secret: secret as never }));
        expect(isConfigError(err), `${scheme} ${String(secret)}`).toBe(true);
        expect((err as { option: string }).option).toBe("secret");
        const signErr = thrownBy(() => signWebhook({ scheme, payload, secret: secret as never }));
        expect(isConfigError(signErr), `sign ${scheme} ${String(secret)}`).toBe(true);
      }
    });
  }
});

describe("an empty event id never becomes the id", () => {
  const receivers: Array<{ close(): Promise<void> }> = [];
  const servers: TestServer[] = [];
  afterEach(async () => {
    await Promise.all(receivers.splice(0).map((r) => r.close()));
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  async function serve(scheme: "standard" | "github", secret: string): Promise<{ url: string; inbox: WebhookInbox }> {
    const inbox = memoryInbox();
    const receiver = createWebhookReceiver({ scheme, secret, inbox, worker: false });
    receivers.push(receiver);
    const server = await startServer(receiver.node);
    servers.push(server);
    return { url: `${server.origin}/hook`, inbox };
  }

  it("standard signs the id, so an empty webhook-id is refused (400 missing_header) and nothing is stored", async () => {
    const payload = '{"type":"a"}';
    const headers = signWebhook({ scheme: "standard", payload, secret: strong, id: "" });
    expect(thrownBy(() => verifyWebhook({ scheme: "standard", payload, headers, secret: strong }))).toMatchObject({ reason: "missing_header" });
    const { url, inbox } = await serve("standard", strong);
    const res = await fetch(url, { method: "POST", headers: { ...headers, "content-type": "application/json" }, body: payload });
    expect(res.status).toBe(400);
    expect(await inbox.list()).toHaveLength(0);
  });

  it("schemes whose id is not signed report an empty (or blank) id as none", () => {
    const secret = "github-secret-0123456789";
    const payload = '{"action":"opened"}';
    for (const delivery of ["", "  "]) {
      const headers = { ...signWebhook({ scheme: "github", payload, secret, type: "issues" }), "x-github-delivery": delivery };
      expect(verifyWebhook({ scheme: "github", payload, headers, secret }).id).toBeUndefined();
    }
  });

  it("github: events with an empty X-GitHub-Delivery are stored by body hash, so two different ones never collide", async () => {
    const secret = "github-secret-0123456789";
    const { url, inbox } = await serve("github", secret);
    for (const payload of ['{"action":"opened","n":1}', '{"action":"opened","n":2}']) {
      const headers = signWebhook({ scheme: "github", payload, secret, type: "issues" });
      const res = await fetch(url, { method: "POST", headers: { ...headers, "x-github-delivery": "", "content-type": "application/json" }, body: payload });
      expect(res.status).toBeLessThan(300);
    }
    const events = await inbox.list();
    expect(events).toHaveLength(2);
    expect(events.every((e) => e.id.startsWith("sha256:"))).toBe(true);
  });
});

describe("form fields named __proto__, constructor or toString", () => {
  it("Twilio form webhooks keep them as plain fields and the event object stays intact", () => {
    const authToken = "twilio-auth-token-0123456789";
    const url = "https://example.com/sms";
    const payload = "__proto__=evil&toString=oops&constructor=x&hasOwnProperty=y&MessageSid=SM1&MessageStatus=sent";
    const headers = { ...signWebhook({ scheme: "twilio", payload, secret: authToken, url }), "content-type": "application/x-www-form-urlencoded" };
    const { event, type } = verifyWebhook<Record<string, unknown>>({ scheme: "twilio", payload, headers, secret: authToken, url });
    expect(type).toBe("message.sent");
    expect(Object.getPrototypeOf(event)).toBe(null);
    expect(Object.keys(event)).toEqual(["__proto__", "toString", "constructor", "hasOwnProperty", "MessageSid", "MessageStatus"]);
    expect(Object.getOwnPropertyDescriptor(event, "__proto__")?.value).toBe("evil");
    expect(event.toString).toBe("oops");
    expect(({} as Record<string, unknown>).evil).toBeUndefined();
  });

  it("Slack form webhooks (slash commands) too", () => {
    const secret = "slack-signing-secret-0123456789";
    const payload = "command=%2Fdeploy&__proto__=x&toString=y&trigger_id=t1";
    const headers = { ...signWebhook({ scheme: "slack", payload, secret }), "content-type": "application/x-www-form-urlencoded" };
    const { event } = verifyWebhook<Record<string, unknown>>({ scheme: "slack", payload, headers, secret });
    expect(Object.keys(event)).toContain("__proto__");
    expect(event.toString).toBe("y");
  });

  it("GitHub form deliveries (payload=...) parse the JSON inside without touching prototypes", () => {
    const secret = "github-secret-0123456789";
    const inner = JSON.stringify({ action: "opened", ["__proto__"]: { polluted: true } });
    const payload = `payload=${encodeURIComponent(inner)}&__proto__=z`;
    const signature = `sha256=${createHmac("sha256", secret).update(payload).digest("hex")}`;
    const headers = {
      "x-hub-signature-256": signature,
      "x-github-event": "issues",
      "x-github-delivery": "d1",
      "content-type": "application/x-www-form-urlencoded",
    };
    verifyWebhook({ scheme: "github", payload, headers, secret });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("redactFields keeps __proto__ and toString as data, redacted or not", () => {
    const input = JSON.parse('{"__proto__":{"password":"p1"},"toString":"t","token":"s1"}');
    const out = redactFields(input) as Record<string, unknown>;
    expect(Object.keys(out)).toEqual(["__proto__", "toString", "token"]);
    expect(out.token).toBe("[REDACTED]");
    expect(JSON.stringify(out)).not.toContain("p1");
    expect(JSON.stringify(out)).toContain('"__proto__":{"password":"[REDACTED]"}');
    expect(({} as Record<string, unknown>).password).toBeUndefined();
  });
});
