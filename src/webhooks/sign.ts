import { randomUUID } from "node:crypto";
import { type Clock, systemClock } from "../clock.js";
import { refuseKeyPairAsHmacSecret } from "./asymmetric-key.js";
import { type RawPayload, secretList } from "./raw.js";
import { resolveScheme, type SchemeName } from "./schemes/index.js";
import type { WebhookScheme, WebhookSecret } from "./types.js";

export interface SignWebhookOptions {
  scheme: SchemeName | WebhookScheme;
  /** The exact bytes or text you will send as the body. */
  payload: RawPayload;
  secret: WebhookSecret;
  /** Event/delivery id for schemes that send one in a header. Default: a random UUID (`msg_...` for standard). */
  id?: string;
  /** Event type for schemes that send one in a header (GitHub `X-GitHub-Event`, Shopify `X-Shopify-Topic`). */
  type?: string;
  /** Signing time in ms. Default: the clock's now. */
  timestamp?: number;
  /** The URL the webhook is sent to (Twilio signs it). */
  url?: string;
  clock?: Clock;
}

/** Headers to send with `payload` so that the receiver's `verifyWebhook` accepts it. */
export function signWebhook(options: SignWebhookOptions): Record<string, string> {
  const scheme = resolveScheme(options.scheme);
  const [secret] = secretList(options.secret) as [WebhookSecret];
  refuseKeyPairAsHmacSecret(scheme, [secret]);
  const p = options.payload;
  const payload =
    typeof p === "string" ? Buffer.from(p, "utf8") : p instanceof ArrayBuffer ? Buffer.from(p) : Buffer.from(p.buffer, p.byteOffset, p.byteLength);
  const id = options.id ?? (scheme.name === "standard" ? `msg_${randomUUID().replaceAll("-", "")}` : randomUUID());
  return scheme.sign({
    payload,
    secret: scheme.key ? scheme.key(secret) : secret,
    id,
    type: options.type,
    timestamp: options.timestamp ?? (options.clock ?? systemClock).now(),
    url: options.url,
  });
}
