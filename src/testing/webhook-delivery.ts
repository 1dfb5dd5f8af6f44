import type { Clock } from "../clock.js";
import type { SchemeName } from "../webhooks/schemes/index.js";
import { signWebhook } from "../webhooks/sign.js";
import type { WebhookScheme, WebhookSecret } from "../webhooks/types.js";

export interface DeliverWebhookOptions {
  /** Where to POST, e.g. `http://127.0.0.1:3000/webhooks`. */
  url: string;
  scheme: SchemeName | WebhookScheme;
  secret: WebhookSecret;
  /** The body: bytes or text sent as is, or a value sent as JSON. */
  payload: string | Uint8Array | Record<string, unknown> | unknown[];
  /** Event/delivery id for schemes that send one in a header. */
  id?: string;
  /** Event type for schemes that send one in a header. */
  type?: string;
  /**
   * Signing time: a `Date`, or milliseconds since the epoch — never seconds, even for schemes that sign
   * seconds (Stripe's `t=`): `new Date(Date.now() - 10 * 60_000)` is ten minutes ago for every scheme.
   * Set it in the past to test replay windows. Default: the clock's now.
   */
  timestamp?: number | Date;
  /** Extra headers, applied after the signature headers (so they can override them). */
  headers?: Record<string, string>;
  /** Changes one byte of the body after signing: a forged delivery. */
  tamper?: boolean;
  clock?: Clock;
  signal?: AbortSignal;
}

/** The receiver's answer to a delivery. */
export interface WebhookDeliveryResult {
  /** The HTTP status: 2xx acknowledged (stored), 400/401 refused, 5xx not stored. */
  status: number;
  /** Response headers, lower-case names. */
  headers: Record<string, string>;
  /** The response body as text. */
  body: string;
}

/**
 * Signs a webhook the way the provider would and POSTs it over a real socket:
 * for testing receivers (duplicates, stale or forged signatures included).
 * Resolves with the receiver's answer whatever its status; rejects only when
 * the request itself fails (connection refused, `signal` aborted).
 */
export async function deliverWebhook(options: DeliverWebhookOptions): Promise<WebhookDeliveryResult> {
  const p = options.payload;
  const bytes = typeof p === "string" ? Buffer.from(p) : p instanceof Uint8Array ? Buffer.from(p) : Buffer.from(JSON.stringify(p));
  const signed = signWebhook({
    scheme: options.scheme,
    payload: bytes,
    secret: options.secret,
    url: options.url,
    ...(options.id !== undefined && { id: options.id }),
    ...(options.type !== undefined && { type: options.type }),
    ...(options.timestamp !== undefined && { timestamp: options.timestamp }),
    ...(options.clock !== undefined && { clock: options.clock }),
  });
  const body = options.tamper ? Buffer.from(bytes) : bytes;
  if (options.tamper && body.length > 0) body[body.length - 1] = ((body[body.length - 1] as number) ^ 0x01) & 0xff;
  const res = await fetch(options.url, {
    method: "POST",
    body: new Uint8Array(body),
    headers: { ...signed, ...options.headers },
    ...(options.signal && { signal: options.signal }),
  });
  const headers: Record<string, string> = {};
  res.headers.forEach((v, k) => {
    headers[k] = v;
  });
  return { status: res.status, headers, body: await res.text() };
}
