import { hmac, safeEqual } from "../digest.js";
import { mismatch, missingHeader } from "../failures.js";
import { field, parseJson } from "../parse.js";
import type { WebhookScheme } from "../types.js";

const HEADER = "x-shopify-hmac-sha256";
// Shopify's newer "events" deliveries use the same names without the `x-` prefix.
const EVENTS_HEADER = "shopify-hmac-sha256";

/**
 * Shopify: `X-Shopify-Hmac-Sha256: <base64 HMAC-SHA256(body)>` (events
 * deliveries: `Shopify-Hmac-Sha256`). No signed timestamp; de-duplicate on
 * `X-Shopify-Webhook-Id`, the same on every retry of a delivery.
 */
export const shopifyScheme: WebhookScheme = {
  name: "shopify",
  defaultToleranceMs: 0,
  contentTypes: ["application/json"],

  verify({ payload, header, secrets }) {
    const value = header(HEADER) || header(EVENTS_HEADER);
    if (value === undefined || value === "") throw missingHeader("shopify", HEADER);
    for (const secret of secrets) {
      if (safeEqual(value.trim(), hmac("sha256", secret, "base64", payload))) return undefined;
    }
    throw mismatch("shopify", payload);
  },

  sign({ payload, secret, id, type }) {
    const headers: Record<string, string> = {
      [HEADER]: hmac("sha256", secret, "base64", payload),
      "x-shopify-webhook-id": id,
      "content-type": "application/json",
    };
    if (type !== undefined) headers["x-shopify-topic"] = type;
    return headers;
  },

  parse: (payload) => parseJson("shopify", payload),

  identify(header, event) {
    return {
      id: header("x-shopify-webhook-id") ?? header("shopify-webhook-id") ?? header("x-shopify-event-id") ?? header("shopify-event-id") ?? field(event, "id"),
      type: header("x-shopify-topic") ?? header("shopify-topic"),
    };
  },
};
