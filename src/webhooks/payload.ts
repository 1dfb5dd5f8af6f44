import { WebhookVerificationError } from "./errors.js";

/** What `verifyWebhook` accepts as a payload: the raw bytes or the raw text. */
export type RawPayload = string | Uint8Array | ArrayBuffer;

const RAW_BODY_HINT =
  "pass the raw request body (a Buffer, Uint8Array or string exactly as received), not a parsed object: " +
  "read it before any JSON/body parser runs (e.g. express.raw(), await request.arrayBuffer())";

/** The payload as bytes; refuses parsed objects and payloads over `maxBytes` before any hashing. */
export function rawBytes(payload: unknown, scheme: string, maxBytes: number): Buffer {
  let bytes: Buffer;
  if (Buffer.isBuffer(payload)) bytes = payload;
  else if (typeof payload === "string") {
    // Check the cheap upper bound first so a huge string is refused before encoding.
    if (payload.length > maxBytes) throw tooLarge(scheme, maxBytes);
    bytes = Buffer.from(payload, "utf8");
  } else if (payload instanceof Uint8Array) bytes = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  else if (payload instanceof ArrayBuffer) bytes = Buffer.from(payload);
  else throw new WebhookVerificationError(scheme, "invalid_payload", `payload is ${describe(payload)}; ${RAW_BODY_HINT}`);
  if (bytes.length > maxBytes) throw tooLarge(scheme, maxBytes);
  return bytes;
}

function tooLarge(scheme: string, maxBytes: number): WebhookVerificationError {
  return new WebhookVerificationError(scheme, "payload_too_large", `payload exceeds maxBytes (${maxBytes})`);
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return typeof v === "object" ? "an object" : typeof v;
}

/**
 * A hint added to a signature mismatch when the body looks like it went
 * through JSON.parse + JSON.stringify (compact, no trailing newline): the most
 * common cause of failed verification.
 */
export function reserializedHint(payload: Buffer): string {
  if (payload.length === 0 || payload.length > 1 << 20) return "";
  const text = payload.toString("utf8");
  try {
    if (JSON.stringify(JSON.parse(text)) === text && /[{[]/.test(text[0] ?? "")) {
      return `; the payload looks re-serialised (compact JSON) — ${RAW_BODY_HINT}`;
    }
  } catch {}
  return "";
}
