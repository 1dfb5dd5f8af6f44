import { createHash, createPrivateKey, createPublicKey, KeyObject, sign, verify } from "node:crypto";
import { ConfigError } from "../../errors.js";
import { malformedHeader, mismatch, missingHeader } from "../failures.js";
import { parseJson } from "../parse.js";
import { checkTimestamp, parseSeconds } from "../timestamps.js";
import type { SchemeKey, WebhookScheme, WebhookSecret } from "../types.js";

const SIGNATURE = "x-twilio-email-event-webhook-signature";
const TIMESTAMP = "x-twilio-email-event-webhook-timestamp";

/** The parsed key behind the DER bytes `key()` returned (kept so neither verify nor sign parses it again). */
const parsed = new WeakMap<Uint8Array, KeyObject>();

const PEM = /^-----BEGIN ([A-Z ]+)-----/;
const NOT_A_KEY =
  "must be SendGrid's verification key (a P-256 public key, base64 DER as the SendGrid console shows it, or PEM), " +
  "or for signing the matching private key (PEM, or base64 PKCS#8 DER)";

function parseKey(secret: WebhookSecret): KeyObject {
  try {
    if (typeof secret === "string") {
      const pem = PEM.exec(secret.trim());
      if (pem) return pem[1]!.includes("PRIVATE") ? createPrivateKey(secret) : createPublicKey(secret);
      return parseDer(Buffer.from(secret.trim(), "base64"));
    }
    return parseDer(Buffer.from(secret));
  } catch {
    throw new ConfigError("secret", NOT_A_KEY);
  }
}

function parseDer(der: Buffer): KeyObject {
  try {
    return createPublicKey({ key: der, format: "der", type: "spki" });
  } catch {
    return createPrivateKey({ key: der, format: "der", type: "pkcs8" });
  }
}

/** A P-256 key (public or private) as DER bytes: SPKI for a public key, PKCS#8 for a private one. */
export function sendgridKey(secret: WebhookSecret): Uint8Array {
  const key = parseKey(secret);
  if (key.asymmetricKeyType !== "ec" || key.asymmetricKeyDetails?.namedCurve !== "prime256v1") throw new ConfigError("secret", NOT_A_KEY);
  const der = key.type === "private" ? key.export({ format: "der", type: "pkcs8" }) : key.export({ format: "der", type: "spki" });
  parsed.set(der, key);
  return der;
}

function keyObject(secret: SchemeKey): KeyObject {
  if (secret instanceof KeyObject) return secret;
  if (secret instanceof Uint8Array) {
    const known = parsed.get(secret);
    if (known) return known;
  }
  const der = sendgridKey(secret);
  return parsed.get(der) as KeyObject;
}

/** A private key verifies through its public half. */
function publicOf(key: KeyObject): KeyObject {
  return key.type === "private" ? createPublicKey(key) : key;
}

/**
 * SendGrid's signed event webhook: `X-Twilio-Email-Event-Webhook-Signature: <base64 DER ECDSA P-256/SHA-256
 * signature of timestamp + body>` and `X-Twilio-Email-Event-Webhook-Timestamp: <unix s>`. The secret is the
 * verification key from the SendGrid console (a public key, base64 DER): it can only verify; signing (for
 * tests and simulators) needs the private key. 5-minute window. The body is a JSON array of events; the
 * delivery id is the SHA-256 of the body, the type the events' common `event` (else `"batch"`).
 */
export const sendgridScheme: WebhookScheme = {
  name: "sendgrid",
  defaultToleranceMs: 300_000,
  contentTypes: ["application/json"],
  key: sendgridKey,

  verify({ payload, header, secrets, toleranceMs, now }) {
    const signature = header(SIGNATURE);
    if (signature === undefined || signature === "") throw missingHeader("sendgrid", SIGNATURE);
    const t = header(TIMESTAMP);
    if (t === undefined || t === "") throw missingHeader("sendgrid", TIMESTAMP);
    const timestamp = parseSeconds(t);
    if (timestamp === undefined) throw malformedHeader("sendgrid", TIMESTAMP, "is not a unix time in seconds");
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(signature)) throw malformedHeader("sendgrid", SIGNATURE, "is not base64");
    const signed = Buffer.concat([Buffer.from(t, "utf8"), payload]);
    const der = Buffer.from(signature, "base64");
    let ok = false;
    for (const secret of secrets) {
      try {
        if (verify("sha256", signed, { key: publicOf(keyObject(secret)), dsaEncoding: "der" }, der)) ok = true;
      } catch {
        // A signature that is not valid DER is a mismatch like any other.
      }
      if (ok) break;
    }
    if (!ok) throw mismatch("sendgrid", payload);
    checkTimestamp("sendgrid", timestamp, now, toleranceMs);
    return timestamp;
  },

  sign({ payload, secret, timestamp }) {
    const key = keyObject(secret);
    if (key.type !== "private") {
      throw new ConfigError("secret", "signing with the sendgrid scheme needs the P-256 private key; a verification (public) key cannot sign");
    }
    const t = String(Math.floor(timestamp / 1000));
    const signature = sign("sha256", Buffer.concat([Buffer.from(t, "utf8"), payload]), { key, dsaEncoding: "der" }).toString("base64");
    return { [SIGNATURE]: signature, [TIMESTAMP]: t, "content-type": "application/json" };
  },

  parse: (payload) => parseJson("sendgrid", payload),

  identify(_header, event, payload) {
    const events = Array.isArray(event) ? event : [];
    const kinds = new Set(events.map((e) => (typeof e === "object" && e !== null ? (e as { event?: unknown }).event : undefined)));
    const only = kinds.size === 1 ? [...kinds][0] : undefined;
    return { id: createHash("sha256").update(payload).digest("hex"), type: typeof only === "string" ? only : events.length > 0 ? "batch" : undefined };
  },
};
