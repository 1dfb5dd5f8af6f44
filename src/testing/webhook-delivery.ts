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
  /** Signing time (ms). Set it in the past to test replay windows. */
  timestamp?: number;
  /** Extra headers, applied after the signature headers (so they can override them). */
  headers?: Record<string, string>;
  /** Changes one byte of the body after signing: a forged delivery. */
  tamper?: boolean;
  clock?: Clock;
  signal?: AbortSignal;
}

export interface WebhookDeliveryResult {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Signs a webhook the way the provider would and POSTs it over a real socket:
 * for testing receivers (duplicates, stale or forged signatures included).
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
