import { generateKeyPairSync, sign } from "node:crypto";
import { EventWebhook } from "@sendgrid/eventwebhook";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/index.js";
import { hmacScheme, signWebhook, verifyWebhook, WebhookVerificationError } from "../../src/webhooks/index.js";

const SIGNATURE = "x-twilio-email-event-webhook-signature";
const TIMESTAMP = "x-twilio-email-event-webhook-timestamp";

function keyPair() {
  const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  return {
    /** As the SendGrid console shows the verification key: base64 DER (SPKI). */
    publicKey: publicKey.export({ format: "der", type: "spki" }).toString("base64"),
    privateKeyPem: privateKey.export({ format: "pem", type: "pkcs8" }).toString(),
    privateKey,
  };
}

const events = [
  { email: "ada@example.com", timestamp: 1_700_000_000, event: "delivered", sg_event_id: "ev1", sg_message_id: "m1" },
  { email: "ada@example.com", timestamp: 1_700_000_001, event: "open", sg_event_id: "ev2", sg_message_id: "m1" },
];
const payload = `${JSON.stringify(events)}\r\n`;

describe("sendgrid scheme", () => {
  it("verifies what it signed and reads the batch", () => {
    const keys = keyPair();
    const headers = signWebhook({ scheme: "sendgrid", payload, secret: keys.privateKeyPem });
    const verified = verifyWebhook({ scheme: "sendgrid", payload, headers, secret: keys.publicKey });
    expect(verified.event).toEqual(events);
    expect(verified.type).toBe("batch");
    expect(verified.id).toMatch(/^[0-9a-f]{64}$/);
    expect(verified.timestamp).toBe(Number(headers[TIMESTAMP]) * 1000);
  });

  it("@sendgrid/eventwebhook accepts what ballast signs", () => {
    const keys = keyPair();
    const headers = signWebhook({ scheme: "sendgrid", payload, secret: keys.privateKeyPem });
    const ew = new EventWebhook();
    const publicKey = ew.convertPublicKeyToECDSA(keys.publicKey);
    expect(ew.verifySignature(publicKey, payload, headers[SIGNATURE]!, headers[TIMESTAMP]!)).toBe(true);
    expect(ew.verifySignature(publicKey, payload.replace("open", "click"), headers[SIGNATURE]!, headers[TIMESTAMP]!)).toBe(false);
  });

  it("ballast accepts what SendGrid signs (ECDSA over timestamp + payload), cross-checked by @sendgrid/eventwebhook", () => {
    const keys = keyPair();
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = sign("sha256", Buffer.from(timestamp + payload), keys.privateKey).toString("base64");
    const ew = new EventWebhook();
    expect(ew.verifySignature(ew.convertPublicKeyToECDSA(keys.publicKey), payload, signature, timestamp)).toBe(true);
    const verified = verifyWebhook({ scheme: "sendgrid", payload, headers: { [SIGNATURE]: signature, [TIMESTAMP]: timestamp }, secret: keys.publicKey });
    expect(verified.event).toEqual(events);
  });

  it("refuses a changed payload, another key, a stale timestamp and missing headers, each with its reason", () => {
    const keys = keyPair();
    const other = keyPair();
    const headers = signWebhook({ scheme: "sendgrid", payload, secret: keys.privateKeyPem });
    const reason = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        expect(e).toBeInstanceOf(WebhookVerificationError);
        return (e as WebhookVerificationError).reason;
      }
      throw new Error("expected a verification error");
    };
    expect(reason(() => verifyWebhook({ scheme: "sendgrid", payload: payload.replace("open", "click"), headers, secret: keys.publicKey }))).toBe(
      "signature_mismatch",
    );
    expect(reason(() => verifyWebhook({ scheme: "sendgrid", payload, headers, secret: other.publicKey }))).toBe("signature_mismatch");
    const stale = signWebhook({ scheme: "sendgrid", payload, secret: keys.privateKeyPem, timestamp: Date.now() - 600_000 });
    expect(reason(() => verifyWebhook({ scheme: "sendgrid", payload, headers: stale, secret: keys.publicKey }))).toBe("timestamp_out_of_tolerance");
    expect(reason(() => verifyWebhook({ scheme: "sendgrid", payload, headers: { [TIMESTAMP]: headers[TIMESTAMP]! }, secret: keys.publicKey }))).toBe(
      "missing_header",
    );
    expect(reason(() => verifyWebhook({ scheme: "sendgrid", payload, headers: { ...headers, [SIGNATURE]: "not base64!" }, secret: keys.publicKey }))).toBe(
      "malformed_header",
    );
    // A stale delivery verifies when the window is switched off.
    expect(verifyWebhook({ scheme: "sendgrid", payload, headers: stale, secret: keys.publicKey, tolerance: false }).event).toEqual(events);
  });

  it("accepts the next key during a rotation", () => {
    const old = keyPair();
    const next = keyPair();
    const headers = signWebhook({ scheme: "sendgrid", payload, secret: next.privateKeyPem });
    expect(verifyWebhook({ scheme: "sendgrid", payload, headers, secret: [old.publicKey, next.publicKey] }).type).toBe("batch");
  });

  it("a verification (public) key cannot sign, and no HMAC scheme takes a key pair's key as its secret", () => {
    const keys = keyPair();
    expect(() => signWebhook({ scheme: "sendgrid", payload, secret: keys.publicKey })).toThrow(/public\) key cannot sign/);
    // Anyone holding the public key could forge an HMAC keyed by it: refused for every HMAC scheme.
    for (const scheme of ["stripe", "github", "slack", "shopify", "standard", hmacScheme({ header: "x-sig" })] as const) {
      expect(() => signWebhook({ scheme, payload, secret: keys.publicKey })).toThrow(ConfigError);
      expect(() => verifyWebhook({ scheme, payload, headers: {}, secret: keys.publicKey })).toThrow(/not an HMAC secret/);
      expect(() => verifyWebhook({ scheme, payload, headers: {}, secret: keys.privateKeyPem })).toThrow(ConfigError);
    }
    const der = generateKeyPairSync("ec", { namedCurve: "prime256v1" }).publicKey.export({ format: "der", type: "spki" });
    expect(() => verifyWebhook({ scheme: "stripe", payload, headers: {}, secret: new Uint8Array(der) })).toThrow(ConfigError);
    // Ordinary secrets are untouched.
    expect(() => signWebhook({ scheme: "stripe", payload, secret: "whsec_ordinary_secret_value" })).not.toThrow();
  });

  it("refuses secrets that are not a P-256 key at construction", () => {
    expect(() => verifyWebhook({ scheme: "sendgrid", payload, headers: {}, secret: "whsec_not_a_key" })).toThrow(ConfigError);
    const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey.export({ format: "der", type: "spki" }).toString("base64");
    expect(() => verifyWebhook({ scheme: "sendgrid", payload, headers: {}, secret: rsa })).toThrow(ConfigError);
    const p384 = generateKeyPairSync("ec", { namedCurve: "secp384r1" }).publicKey.export({ format: "der", type: "spki" }).toString("base64");
    expect(() => verifyWebhook({ scheme: "sendgrid", payload, headers: {}, secret: p384 })).toThrow(ConfigError);
  });

  it("a single-kind batch is typed by its event", () => {
    const keys = keyPair();
    const one = JSON.stringify([events[0]]);
    const headers = signWebhook({ scheme: "sendgrid", payload: one, secret: keys.privateKeyPem });
    expect(verifyWebhook({ scheme: "sendgrid", payload: one, headers, secret: keys.publicKey }).type).toBe("delivered");
  });
});
