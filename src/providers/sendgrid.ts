import { ConfigError } from "../errors.js";
import { bearer } from "../middleware/auth/auth.js";
import { nextUrl } from "../pagination/next-url.js";
import type { ApiRequest } from "../types.js";
import { fingerprint } from "../util/fingerprint.js";
import { type ProviderClient, providerClient } from "./client.js";
import { credential, envOf } from "./credentials.js";
import { isRecord, text } from "./fields.js";
import type { ApiErrorReader, ProviderClientOptions, ProviderProfile } from "./profile.js";

export interface SendgridOptions extends ProviderClientOptions {
  /** `SG....`. Default: `SENDGRID_API_KEY`. */
  apiKey?: string;
  /** `"eu"` for an EU-pinned subuser (`api.eu.sendgrid.com`); default global. */
  region?: "global" | "eu";
}

/** `{ errors: [{ message, field, help, error_id? }] }` → apiMessage (the messages joined), apiCode (the first error_id or field), apiDetails.errors. */
export const sendgridApiError: ApiErrorReader = (body) => {
  const errors = isRecord(body) && Array.isArray(body.errors) ? body.errors.filter(isRecord) : undefined;
  if (!errors || errors.length === 0) return undefined;
  const message = errors
    .map((e) => text(e.message))
    .filter((m) => m !== undefined)
    .join("; ");
  const code = text(errors[0]?.error_id) ?? text(errors[0]?.field);
  return { ...(code !== undefined && { code }), ...(message !== "" && { message }), details: { errors } };
};

/** SendGrid's paged lists (`{ result, _metadata: { next } }`): follow `_metadata.next`. */
export function sendgridList() {
  return nextUrl<unknown>({ items: "result", next: "_metadata.next" });
}

/**
 * SendGrid v3: bearer API key, JSON bodies, errors `{ errors: [...] }`, `X-RateLimit-*` (reset in epoch
 * seconds) per endpoint, `_metadata.next` paging, `sendgrid` signed event webhooks. Mail send is not
 * idempotent: a POST is never retried.
 */
export function sendgridProfile(options: SendgridOptions = {}): ProviderProfile {
  const apiKey = credential(options.apiKey, "apiKey", ["SENDGRID_API_KEY"], envOf(options));
  const region = options.region ?? "global";
  if (region !== "global" && region !== "eu") throw new ConfigError("region", `must be "global" or "eu"; got ${JSON.stringify(region)}`);
  const key = fingerprint(apiKey);
  return {
    name: "sendgrid",
    baseUrl: region === "eu" ? "https://api.eu.sendgrid.com" : "https://api.sendgrid.com",
    auth: bearer(apiKey),
    apiError: sendgridApiError,
    // Limits differ per endpoint and plan and arrive on every response: a generous ceiling, paused per
    // endpoint when X-RateLimit-Remaining reaches 0, until X-RateLimit-Reset.
    rateLimit: { limits: [{ requests: 10_000, per: "1s" }], key: (req: ApiRequest) => `${req.origin}${req.route}#${key}` },
    pagination: sendgridList,
    requestIdHeaders: ["x-message-id"],
    webhookScheme: "sendgrid",
  };
}

/** A ballast `Client` for the SendGrid v3 API. Every `createClient` option applies on top (`baseUrl` for a simulator). */
export function sendgrid(options: SendgridOptions = {}): ProviderClient {
  const { apiKey: _k, region: _r, ...rest } = options;
  return providerClient(sendgridProfile(options), rest);
}
