import { field, parseJson } from "../parse.js";
import { checkTimestamp, hmac, malformedHeader, mismatch, missingHeader, parseSeconds, safeEqual } from "../raw.js";
import type { HeaderReader, WebhookScheme, WebhookSecret } from "../types.js";

/** Key bytes of a Standard Webhooks secret: `whsec_<base64>` (the prefix is optional), or raw bytes. */
export function standardKey(secret: WebhookSecret): Buffer {
  if (typeof secret !== "string") return Buffer.from(secret);
  return Buffer.from(secret.startsWith("whsec_") ? secret.slice(6) : secret, "base64");
}

/**
 * Standard Webhooks uses `webhook-*` headers; Svix sends the same values as
 * `svix-*`. The names are constants: a name built per call would cost a
 * string concatenation and a slow property lookup on every verification.
 */
const NAMES = {
  id: ["webhook-id", "svix-id"],
  timestamp: ["webhook-timestamp", "svix-timestamp"],
  signature: ["webhook-signature", "svix-signature"],
} as const;

function read(header: HeaderReader, name: keyof typeof NAMES): string | undefined {
  const [standard, svix] = NAMES[name];
  return header(standard) ?? header(svix);
}

/** The base64 signatures of the `v1,<sig>` entries (space-separated; other versions are ignored). */
function v1Signatures(signature: string): string[] {
  if (!signature.includes(" ")) return signature.startsWith("v1,") ? [signature.slice(3)] : [];
  const given: string[] = [];
  for (const part of signature.split(" ")) {
    if (part.startsWith("v1,")) given.push(part.slice(3));
  }
  return given;
}

/**
 * Standard Webhooks (and Svix): `webhook-id`, `webhook-timestamp` (unix s),
 * `webhook-signature: v1,<base64 HMAC-SHA256("id.ts.body")> [v1,...]`,
 * secrets `whsec_<base64>`, 5-minute window both ways. The recommended scheme
 * for sending webhooks.
 */
export const standardScheme: WebhookScheme = {
  name: "standard",
  defaultToleranceMs: 300_000,
  contentTypes: ["application/json"],
  key: standardKey,

  verify({ payload, header, secrets, toleranceMs, now }) {
    const id = read(header, "id");
    const ts = read(header, "timestamp");
    const signature = read(header, "signature");
    if (!id) throw missingHeader("standard", "webhook-id");
    if (!ts) throw missingHeader("standard", "webhook-timestamp");
    if (!signature) throw missingHeader("standard", "webhook-signature");
    const timestamp = parseSeconds(ts);
    if (timestamp === undefined) throw malformedHeader("standard", "webhook-timestamp", "is not a unix timestamp");
    const given = v1Signatures(signature);
    if (given.length === 0) throw malformedHeader("standard", "webhook-signature", 'has no "v1,<signature>" entry');
    const prefix = `${id}.${ts}.`;
    let ok = false;
    for (const secret of secrets) {
      const expected = hmac("sha256", secret, "base64", payload, prefix);
      for (const g of given) if (safeEqual(g, expected)) ok = true;
      if (ok) break;
    }
    if (!ok) throw mismatch("standard", payload);
    checkTimestamp("standard", timestamp, now, toleranceMs);
    return timestamp;
  },

  sign({ payload, secret, timestamp, id }) {
    const ts = Math.floor(timestamp / 1000);
    return {
      "webhook-id": id,
      "webhook-timestamp": String(ts),
      "webhook-signature": `v1,${hmac("sha256", secret, "base64", payload, `${id}.${ts}.`)}`,
      "content-type": "application/json",
    };
  },

  parse: (payload) => parseJson("standard", payload),

  identify(header, event) {
    return { id: read(header, "id"), type: field(event, "type") ?? field(event, "eventType") };
  },
};
