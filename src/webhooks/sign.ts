import { randomUUID } from "node:crypto";
import { type Clock, systemClock } from "../clock.js";
import { ConfigError } from "../errors.js";
import { refuseKeyPairAsHmacSecret } from "./asymmetric-key.js";
import type { RawPayload } from "./payload.js";
import { resolveScheme, type SchemeName } from "./schemes/index.js";
import { secretList } from "./secrets.js";
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
  /**
   * Signing time: a `Date`, or milliseconds since the epoch (`Date.now() - 600_000`). Schemes that sign
   * seconds (Stripe's `t=`, Slack, Standard Webhooks) round it down. A number that looks like seconds is a
   * `ConfigError`. Default: the clock's now.
   */
  timestamp?: number | Date;
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
    timestamp: signingTime(options.timestamp, options.clock ?? systemClock),
    url: options.url,
  });
}

/** Milliseconds before 1973-03-03: a unix time in seconds (about 1.7e9 today) always falls here. */
const SECONDS_LOOKALIKE = 1e11;

/** The signing time in ms: from a `Date`, from ms, or now; a time given in seconds by mistake is refused. */
export function signingTime(timestamp: number | Date | undefined, clock: Clock): number {
  if (timestamp === undefined) return clock.now();
  if (timestamp instanceof Date) {
    const ms = timestamp.getTime();
    if (Number.isNaN(ms)) throw new ConfigError("timestamp", "is an invalid Date");
    return ms;
  }
  if (typeof timestamp !== "number" || !Number.isFinite(timestamp))
    throw new ConfigError("timestamp", `must be a Date or milliseconds since the epoch; got ${String(timestamp)}`);
  if (timestamp < SECONDS_LOOKALIKE)
    throw new ConfigError(
      "timestamp",
      `is milliseconds since the epoch (or a Date); ${timestamp} looks like seconds: pass ${timestamp} * 1000 or new Date(${timestamp} * 1000)`,
    );
  return timestamp;
}
