import { randomUUID } from "node:crypto";
import type { SchemeName } from "../../webhooks/schemes/index.js";
import { signWebhook } from "../../webhooks/sign.js";
import { usageError } from "../exit.js";

export interface SendOptions {
  scheme: SchemeName;
  secret: string;
  url: string;
  /** The exact body to send (from `--file`), or undefined to build a sample event of `event`. */
  payload?: string | undefined;
  event?: string | undefined;
  id?: string | undefined;
}

export interface SendResult {
  id: string;
  type: string | undefined;
  status: number;
  body: string;
}

/**
 * A small, well-formed event of `type` in the provider's shape: what the
 * receiver parses an id and a type from. GitHub and Shopify carry the type in
 * a header; the others in the body.
 */
export function sampleEvent(scheme: SchemeName, type: string, id: string): { body: string; contentType: string; headerType: string | undefined } {
  const created = Math.floor(Date.now() / 1000);
  switch (scheme) {
    case "github": {
      const [name, action] = type.split(".", 2);
      return { body: JSON.stringify({ ...(action && { action }), sender: { login: "ballast-cli" } }), contentType: "application/json", headerType: name };
    }
    case "shopify":
      return { body: JSON.stringify({ id: Number(created) }), contentType: "application/json", headerType: type };
    case "slack":
      return {
        body: JSON.stringify({ type: "event_callback", event_id: id, event_time: created, event: { type } }),
        contentType: "application/json",
        headerType: undefined,
      };
    case "standard":
      return { body: JSON.stringify({ type, timestamp: new Date().toISOString(), data: {} }), contentType: "application/json", headerType: undefined };
    case "twilio":
      throw usageError("twilio webhooks are form posts of a provider-specific shape: give the body with --file");
    default:
      return {
        body: JSON.stringify({ id, object: "event", type, created, livemode: false, data: { object: {} } }),
        contentType: "application/json",
        headerType: undefined,
      };
  }
}

function contentTypeOf(scheme: SchemeName, body: string): string {
  if (scheme === "twilio") return "application/x-www-form-urlencoded";
  return body.trimStart().startsWith("{") || body.trimStart().startsWith("[") ? "application/json" : "text/plain";
}

/** Signs a delivery the way the provider would and POSTs it to `url`. */
export async function sendWebhook(options: SendOptions): Promise<SendResult> {
  if ((options.payload === undefined) === (options.event === undefined)) throw usageError("give one of --file and --event");
  const id = options.id ?? (options.scheme === "stripe" ? `evt_${randomUUID().replaceAll("-", "").slice(0, 24)}` : randomUUID());
  const sample = options.event === undefined ? undefined : sampleEvent(options.scheme, options.event, id);
  const body = options.payload ?? (sample as NonNullable<typeof sample>).body;
  const type = sample ? (sample.headerType ?? options.event) : undefined;
  const signed = signWebhook({
    scheme: options.scheme,
    payload: body,
    secret: options.secret,
    id,
    url: options.url,
    ...(sample?.headerType !== undefined && { type: sample.headerType }),
  });
  const res = await fetch(options.url, {
    method: "POST",
    headers: { "content-type": sample?.contentType ?? contentTypeOf(options.scheme, body), "user-agent": "ballast-cli", ...signed },
    body,
  });
  return { id, type: options.event ?? type, status: res.status, body: await res.text() };
}
