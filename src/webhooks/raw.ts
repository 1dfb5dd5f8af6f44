import { createHmac, timingSafeEqual } from "node:crypto";
import { ConfigError } from "../errors.js";
import { type Duration, toMillis } from "../util/duration.js";
import { WebhookVerificationError } from "./errors.js";
import type { HeaderReader, SchemeKey, WebhookHeaders, WebhookSecret } from "./types.js";

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

/** A lower-case header lookup over any header shape. */
export function headerReader(headers: WebhookHeaders): HeaderReader {
  if (typeof (headers as Headers).get === "function" && typeof (headers as Headers).forEach === "function") {
    const h = headers as Headers;
    return (name) => h.get(name) ?? undefined;
  }
  const record = headers as Readonly<Record<string, string | readonly string[] | undefined>>;
  let lowered: Map<string, string | readonly string[] | undefined> | undefined;
  return (name) => {
    let v = record[name];
    if (v === undefined) {
      // Plain records may use any case ("Stripe-Signature"); index them once.
      lowered ??= new Map(Object.entries(record).map(([k, val]) => [k.toLowerCase(), val]));
      v = lowered.get(name);
    }
    if (v === undefined) return undefined;
    return typeof v === "string" ? v : v.join(",");
  };
}

/** The secrets as a list (rotation: any one may match). */
/**
 * The secrets given as `secret`, checked: each a string with something other
 * than whitespace, or non-empty bytes; a list needs at least one. Anything
 * else (`null`, a number, an object) is a `ConfigError`, never a `TypeError` later.
 */
export function secretList(secret: unknown, option = "secret"): readonly WebhookSecret[] {
  const list = typeof secret === "string" || secret instanceof Uint8Array ? [secret] : Array.isArray(secret) ? secret : undefined;
  if (list === undefined || list.length === 0) throw new ConfigError(option, "must be a non-empty string or bytes, or a non-empty list of them");
  for (const s of list) {
    if (typeof s === "string" ? s.trim() === "" : !(s instanceof Uint8Array) || s.length === 0)
      throw new ConfigError(option, "must be a non-empty string (not only whitespace) or non-empty bytes");
  }
  return list as WebhookSecret[];
}

/**
 * HMAC of `prefix + payload + suffix`, fed in order without concatenating,
 * encoded straight from the digest (no intermediate Buffer).
 */
export function hmac(algorithm: string, key: SchemeKey, encoding: "hex" | "base64" | "base64url", payload: Buffer, prefix = "", suffix = ""): string {
  const mac = createHmac(algorithm, key);
  if (prefix !== "") mac.update(prefix);
  mac.update(payload);
  if (suffix !== "") mac.update(suffix);
  return mac.digest(encoding);
}

/**
 * Constant-time equality of two strings, compared as UTF-8 bytes (so distinct
 * strings never compare equal). Different lengths are unequal at once: lengths are public.
 */
export function safeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  return safeEqualBytes(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/** Constant-time equality of two byte strings. */
export function safeEqualBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A replay window given by the user: a positive duration in ms. */
export function replayWindow(value: Duration, option: string): number {
  const ms = toMillis(value, option);
  if (ms <= 0) throw new ConfigError(option, `must be a positive duration such as "5m" (false disables the replay window); got ${JSON.stringify(value)}`);
  return ms;
}

/** Throws `timestamp_out_of_tolerance` when `timestampMs` is further than `toleranceMs` from `now` (either side). */
export function checkTimestamp(scheme: string, timestampMs: number, now: number, toleranceMs: number): void {
  if (toleranceMs > 0 && Math.abs(now - timestampMs) > toleranceMs) {
    const age = Math.round((now - timestampMs) / 1000);
    throw new WebhookVerificationError(
      scheme,
      "timestamp_out_of_tolerance",
      `signed timestamp is ${Math.abs(age)} s ${age >= 0 ? "old" : "in the future"}; the window is ${toleranceMs / 1000} s (replayed or delayed delivery, or a wrong clock)`,
    );
  }
}

/** Parses a decimal integer of seconds (1–12 digits) to ms; undefined when it is not one. */
export function parseSeconds(text: string | undefined): number | undefined {
  if (text === undefined || text.length === 0 || text.length > 12) return undefined;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return undefined;
    n = n * 10 + c;
  }
  return n * 1000;
}

export function missingHeader(scheme: string, name: string): WebhookVerificationError {
  return new WebhookVerificationError(scheme, "missing_header", `header "${name}" is missing`);
}

export function malformedHeader(scheme: string, name: string, problem: string): WebhookVerificationError {
  return new WebhookVerificationError(scheme, "malformed_header", `header "${name}" ${problem}`);
}

export function mismatch(scheme: string, payload: Buffer, extra = ""): WebhookVerificationError {
  return new WebhookVerificationError(
    scheme,
    "signature_mismatch",
    `no signature matches the payload with any configured secret${extra}${reserializedHint(payload)}`,
  );
}
