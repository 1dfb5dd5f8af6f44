import { hmac, safeEqual } from "../digest.js";
import { malformedHeader, mismatch, missingHeader } from "../failures.js";
import { field, isForm, parseForm, parseJson, utf8 } from "../parse.js";
import { checkTimestamp, parseSeconds } from "../timestamps.js";
import type { WebhookScheme } from "../types.js";

const SIGNATURE = "x-slack-signature";
const TIMESTAMP = "x-slack-request-timestamp";

/**
 * Slack: `X-Slack-Signature: v0=<hex HMAC-SHA256("v0:ts:body")>` and
 * `X-Slack-Request-Timestamp` (unix s), 5-minute window. Bodies are JSON
 * (Events API) or forms (slash commands; interactivity's `payload` field).
 */
export const slackScheme: WebhookScheme = {
  name: "slack",
  defaultToleranceMs: 300_000,
  contentTypes: ["application/json", "application/x-www-form-urlencoded"],

  verify({ payload, header, secrets, toleranceMs, now }) {
    const signature = header(SIGNATURE);
    const ts = header(TIMESTAMP);
    if (signature === undefined || signature === "") throw missingHeader("slack", SIGNATURE);
    if (ts === undefined || ts === "") throw missingHeader("slack", TIMESTAMP);
    const timestamp = parseSeconds(ts);
    if (timestamp === undefined) throw malformedHeader("slack", TIMESTAMP, "is not a unix timestamp");
    if (!signature.startsWith("v0=")) throw malformedHeader("slack", SIGNATURE, 'does not start with "v0="');
    const prefix = `v0:${ts}:`;
    let ok = false;
    for (const secret of secrets) {
      if (safeEqual(signature, `v0=${hmac("sha256", secret, "hex", payload, prefix)}`)) {
        ok = true;
        break;
      }
    }
    if (!ok) throw mismatch("slack", payload);
    checkTimestamp("slack", timestamp, now, toleranceMs);
    return timestamp;
  },

  sign({ payload, secret, timestamp }) {
    const ts = Math.floor(timestamp / 1000);
    return {
      [SIGNATURE]: `v0=${hmac("sha256", secret, "hex", payload, `v0:${ts}:`)}`,
      [TIMESTAMP]: String(ts),
      "content-type": "application/json",
    };
  },

  parse(payload, header) {
    if (!isForm(header)) return parseJson("slack", payload);
    const form = parseForm(utf8("slack", payload));
    const inner = form.payload;
    return typeof inner === "string" ? parseJson("slack", Buffer.from(inner)) : form;
  },

  // Slack checks a new Events API URL with a signed `url_verification` and expects its challenge back.
  handshake(event) {
    const challenge = field(event, "type") === "url_verification" ? field(event, "challenge") : undefined;
    return challenge === undefined ? undefined : { challenge };
  },

  identify(header, event) {
    // Events API bodies carry event_id; commands and interactions have no id,
    // so the signature (unique per timestamp and body) stands in for one.
    const id = field(event, "event_id") ?? field(event, "trigger_id") ?? header(SIGNATURE);
    const type = field(event, "event", "type") ?? field(event, "type") ?? (field(event, "command") === undefined ? undefined : "slash_command");
    return { id, type };
  },
};
