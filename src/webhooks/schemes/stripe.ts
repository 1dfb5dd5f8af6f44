import { hmac, safeEqual } from "../digest.js";
import { malformedHeader, mismatch, missingHeader } from "../failures.js";
import { field, parseJson } from "../parse.js";
import { checkTimestamp, parseSeconds } from "../timestamps.js";
import type { WebhookScheme } from "../types.js";

const HEADER = "stripe-signature";

/** Stripe: `Stripe-Signature: t=<unix s>,v1=<hex HMAC-SHA256("t.body")>[,v1=...]`, 5-minute window. */
export const stripeScheme: WebhookScheme = {
  name: "stripe",
  defaultToleranceMs: 300_000,
  contentTypes: ["application/json"],

  verify({ payload, header, secrets, toleranceMs, now }) {
    const value = header(HEADER);
    if (value === undefined || value === "") throw missingHeader("stripe", HEADER);
    // "t=123,v1=abc,v1=def,v0=..." — scanned by hand: this runs on every delivery.
    let t: string | undefined;
    let first: string | undefined;
    let more: string[] | undefined;
    for (let start = 0; start < value.length; ) {
      let end = value.indexOf(",", start);
      if (end === -1) end = value.length;
      while (value.charCodeAt(start) === 32) start++;
      if (value.startsWith("t=", start)) t = value.slice(start + 2, end).trim();
      else if (value.startsWith("v1=", start)) {
        const sig = value.slice(start + 3, end).trim();
        if (first === undefined) first = sig;
        else {
          more ??= [];
          more.push(sig);
        }
      }
      start = end + 1;
    }
    const timestamp = parseSeconds(t);
    if (timestamp === undefined) throw malformedHeader("stripe", HEADER, "has no valid t= timestamp");
    if (first === undefined) throw malformedHeader("stripe", HEADER, "has no v1= signature");
    const prefix = `${t}.`;
    let ok = false;
    for (const secret of secrets) {
      const expected = hmac("sha256", secret, "hex", payload, prefix);
      if (safeEqual(first, expected)) ok = true;
      if (more) for (const s of more) if (safeEqual(s, expected)) ok = true;
      if (ok) break;
    }
    if (!ok) throw mismatch("stripe", payload);
    checkTimestamp("stripe", timestamp, now, toleranceMs);
    return timestamp;
  },

  sign({ payload, secret, timestamp }) {
    const t = Math.floor(timestamp / 1000);
    return { [HEADER]: `t=${t},v1=${hmac("sha256", secret, "hex", payload, `${t}.`)}`, "content-type": "application/json" };
  },

  parse: (payload) => parseJson("stripe", payload),

  identify(_header, event) {
    return { id: field(event, "id"), type: field(event, "type") };
  },
};
