import { createHash } from "node:crypto";
import { ConfigError } from "../../errors.js";
import { hmac, safeEqual } from "../digest.js";
import { WebhookVerificationError } from "../errors.js";
import { mismatch, missingHeader } from "../failures.js";
import { field, formPairs, formRecord, parseJson, utf8 } from "../parse.js";
import type { SchemeKey, WebhookScheme } from "../types.js";

const HEADER = "x-twilio-signature";

/**
 * The form fields `verify` split and decoded for the signature, in the order
 * received, kept for `parse` of the same payload (the verifier calls one
 * right after the other): a delivery's body is parsed once. Taken by `parse`.
 */
const verifiedForms = new WeakMap<Buffer, Array<[string, string]>>();

/**
 * The string Twilio signs: the full URL, then each form parameter's name and
 * value appended in name order (repeated names: each distinct value, sorted).
 */
export function twilioSignedContent(url: string, params: Readonly<Record<string, string | readonly string[]>>): string {
  const pairs: Array<[string, string]> = [];
  for (const [key, value] of Object.entries(params)) {
    if (typeof value === "string") pairs.push([key, value]);
    else for (const v of value) pairs.push([key, v]);
  }
  return url + signedParams(pairs);
}

/**
 * What Twilio appends to the URL: the pairs sorted by name, then value, each
 * repeat skipped (names sorted; each name's distinct values sorted). Sorts `pairs` in place.
 */
function signedParams(pairs: Array<[string, string]>): string {
  pairs.sort(byNameThenValue);
  let out = "";
  let previous: [string, string] | undefined;
  for (const pair of pairs) {
    if (previous === undefined || pair[0] !== previous[0] || pair[1] !== previous[1]) out += pair[0] + pair[1];
    previous = pair;
  }
  return out;
}

function byNameThenValue(a: [string, string], b: [string, string]): number {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
  return a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;
}

/** The URL with `bodySHA256=<hex sha256(body)>` appended: how Twilio signs JSON bodies. */
export function twilioJsonUrl(url: string, payload: string | Uint8Array): string {
  const hash = createHash("sha256").update(payload).digest("hex");
  return `${url}${url.includes("?") ? "&" : "?"}bodySHA256=${hash}`;
}

/** The URL as received, with the default port added and removed: Twilio may have signed either. */
function urlCandidates(url: string): string[] {
  const m = /^(https?:\/\/)([^/?#]*?)(:\d+)?([/?#].*)?$/i.exec(url);
  if (!m) return [url];
  const [, scheme = "", host = "", port, rest = ""] = m;
  const defaultPort = scheme.toLowerCase() === "https://" ? ":443" : ":80";
  if (port === undefined) return [url, scheme + host + defaultPort + rest];
  return port === defaultPort ? [url, scheme + host + rest] : [url];
}

function sign(secret: SchemeKey, content: string): string {
  return hmac("sha1", secret, "base64", Buffer.from(content, "utf8"));
}

/**
 * Twilio: `X-Twilio-Signature: <base64 HMAC-SHA1(url + sorted form params)>`
 * keyed by the auth token. JSON bodies are signed through a `bodySHA256`
 * query parameter instead. No signed timestamp: de-duplicate on
 * `I-Twilio-Idempotency-Token`. Needs the public URL Twilio requested.
 */
export const twilioScheme: WebhookScheme = {
  name: "twilio",
  defaultToleranceMs: 0,
  contentTypes: ["application/json", "application/x-www-form-urlencoded"],

  verify({ payload, header, secrets, url }) {
    if (url === undefined) throw new ConfigError("url", "is required by the twilio scheme: the full public URL Twilio requested (it is signed)");
    const signature = header(HEADER);
    if (signature === undefined || signature === "") throw missingHeader("twilio", HEADER);
    const bodyHash = bodySha256(url);
    const pairs = bodyHash === undefined ? formPairs(utf8("twilio", payload)) : undefined;
    // A sorted copy: `pairs` stay in the order received, for parse.
    const params = pairs === undefined ? "" : signedParams(pairs.slice());
    let ok = false;
    for (const candidate of urlCandidates(url)) {
      const content = candidate + params;
      for (const secret of secrets) if (safeEqual(signature, sign(secret, content))) ok = true;
      if (ok) break;
    }
    if (!ok) throw mismatch("twilio", payload, url.startsWith("http://") ? " (is the URL the public https one Twilio called?)" : "");
    if (bodyHash !== undefined && !safeEqual(bodyHash, createHash("sha256").update(payload).digest("hex"))) {
      throw new WebhookVerificationError("twilio", "signature_mismatch", "bodySHA256 in the URL does not match the payload");
    }
    if (pairs !== undefined) verifiedForms.set(payload, pairs);
    return undefined;
  },

  sign({ payload, secret, url }) {
    if (url === undefined) throw new ConfigError("url", "is required by the twilio scheme to sign");
    const json = bodySha256(url) !== undefined;
    return {
      [HEADER]: sign(secret, url + (json ? "" : signedParams(formPairs(payload.toString("utf8"))))),
      "content-type": json ? "application/json" : "application/x-www-form-urlencoded",
    };
  },

  parse(payload, header) {
    const verified = verifiedForms.get(payload);
    if (verified !== undefined) verifiedForms.delete(payload);
    const type = header("content-type")?.toLowerCase() ?? "";
    if (type.startsWith("application/json")) return parseJson("twilio", payload);
    return formRecord(verified ?? formPairs(utf8("twilio", payload)));
  },

  identify(header, event) {
    const status = field(event, "MessageStatus") ?? field(event, "SmsStatus");
    const callStatus = field(event, "CallStatus");
    const type = status ? `message.${status}` : callStatus ? `call.${callStatus}` : field(event, "MessageSid") ? "message" : undefined;
    // Status callbacks repeat the same Sid with a new status, so the Sid alone is not an event id.
    return { id: header("i-twilio-idempotency-token") ?? header(HEADER), type };
  },
};

function bodySha256(url: string): string | undefined {
  const q = url.indexOf("?");
  if (q === -1 || !url.includes("bodySHA256=", q)) return undefined;
  return new URLSearchParams(url.slice(q + 1)).get("bodySHA256") ?? undefined;
}
