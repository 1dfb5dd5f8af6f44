import { sign as signBytes, verify as verifyBytes } from "node:crypto";
import { ConfigError } from "../../errors.js";
import { hmac, safeEqual } from "../digest.js";
import { malformedHeader, mismatch, missingHeader } from "../failures.js";
import { field, parseJson } from "../parse.js";
import { checkTimestamp, parseSeconds } from "../timestamps.js";
import type { HeaderReader, SchemeKey, WebhookScheme } from "../types.js";
import { isAsymmetric, standardKey } from "./standard-keys.js";

export { standardKey } from "./standard-keys.js";

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

/** The base64 signatures of the header's space-separated entries, by version: `v1,` (HMAC) and `v1a,` (Ed25519); others are ignored. */
function signatures(signature: string): { v1: string[]; v1a: string[] } {
  const v1: string[] = [];
  const v1a: string[] = [];
  for (const part of signature.includes(" ") ? signature.split(" ") : [signature]) {
    if (part.startsWith("v1,")) v1.push(part.slice(3));
    else if (part.startsWith("v1a,")) v1a.push(part.slice(4));
  }
  return { v1, v1a };
}

/** Ed25519 signs the message as one piece: `id.ts.` then the body. */
function signedBytes(prefix: string, payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from(prefix), payload]);
}

/** Each key checks only its own kind: HMAC keys the `v1` entries, Ed25519 keys the `v1a` ones. */
function matches(key: SchemeKey, prefix: string, payload: Buffer, given: { v1: string[]; v1a: string[] }): boolean {
  if (isAsymmetric(key)) {
    if (given.v1a.length === 0) return false;
    const message = signedBytes(prefix, payload);
    return given.v1a.some((g) => verifyBytes(null, message, key, Buffer.from(g, "base64")));
  }
  if (given.v1.length === 0) return false;
  const expected = hmac("sha256", key, "base64", payload, prefix);
  let ok = false;
  for (const g of given.v1) if (safeEqual(g, expected)) ok = true;
  return ok;
}

/** Why nothing matched when the header carries only the kind of signature no configured key checks. */
function kindHint(keys: readonly SchemeKey[], given: { v1: string[]; v1a: string[] }): string {
  const asymmetric = keys.some(isAsymmetric);
  const symmetric = keys.some((k) => !isAsymmetric(k));
  if (given.v1.length === 0 && !asymmetric) return "; the header carries only v1a (Ed25519) signatures: configure the sender's whpk_ public key";
  if (given.v1a.length === 0 && !symmetric) return "; the header carries only v1 (HMAC) signatures: configure the whsec_ secret";
  return "";
}

/**
 * Standard Webhooks (and Svix): `webhook-id`, `webhook-timestamp` (unix s),
 * `webhook-signature: v1,<base64 HMAC-SHA256("id.ts.body")>` with a `whsec_`
 * secret, or `v1a,<base64 Ed25519 signature>` checked with a `whpk_` public
 * key (signed with its `whsk_` secret key); several space-separated entries
 * during a rotation. 5-minute window both ways. The recommended scheme for
 * sending webhooks.
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
    const given = signatures(signature);
    if (given.v1.length === 0 && given.v1a.length === 0)
      throw malformedHeader("standard", "webhook-signature", 'has no "v1,<signature>" or "v1a,<signature>" entry');
    const prefix = `${id}.${ts}.`;
    if (!secrets.some((key) => matches(key, prefix, payload, given))) throw mismatch("standard", payload, kindHint(secrets, given));
    checkTimestamp("standard", timestamp, now, toleranceMs);
    return timestamp;
  },

  sign({ payload, secret, timestamp, id }) {
    const ts = Math.floor(timestamp / 1000);
    const prefix = `${id}.${ts}.`;
    let signature: string;
    if (!isAsymmetric(secret)) signature = `v1,${hmac("sha256", secret, "base64", payload, prefix)}`;
    else if (secret.type === "private") signature = `v1a,${signBytes(null, signedBytes(prefix, payload), secret).toString("base64")}`;
    else throw new ConfigError("secret", "is a whpk_ public key, which only verifies: sign v1a with the sender's whsk_ secret key");
    return {
      "webhook-id": id,
      "webhook-timestamp": String(ts),
      "webhook-signature": signature,
      "content-type": "application/json",
    };
  },

  parse: (payload) => parseJson("standard", payload),

  identify(header, event) {
    return { id: read(header, "id"), type: field(event, "type") ?? field(event, "eventType") };
  },
};
