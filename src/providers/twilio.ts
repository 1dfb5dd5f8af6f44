import { ConfigError } from "../errors.js";
import { basic } from "../middleware/auth/auth.js";
import { nextUrl } from "../pagination/next-url.js";
import { type ProviderClient, providerClient } from "./client.js";
import { credential, envOf } from "./credentials.js";
import { isRecord, pick, text } from "./fields.js";
import type { ApiErrorReader, ProviderClientOptions, ProviderProfile } from "./profile.js";

/** Account SID and auth token, or account SID and an API key (`SK...`) with its secret. */
export interface TwilioOptions extends ProviderClientOptions {
  /** `AC...`. Default: `TWILIO_ACCOUNT_SID`. */
  accountSid?: string;
  /** Default: `TWILIO_AUTH_TOKEN` (when no API key is given or set). */
  authToken?: string;
  /** An API key SID (`SK...`). Default: `TWILIO_API_KEY`. */
  apiKey?: string;
  /** The API key's secret. Default: `TWILIO_API_SECRET`. */
  apiSecret?: string;
}

/** A Twilio client: a `ProviderClient` that knows its account SID (for `/2010-04-01/Accounts/:AccountSid/...`). */
export interface TwilioClient extends ProviderClient {
  readonly accountSid: string;
}

/** `{ code, message, more_info, status }` → apiCode (Twilio's numeric code as text), apiMessage, apiDetails. */
export const twilioApiError: ApiErrorReader = (body) => {
  if (!isRecord(body) || (body.code === undefined && body.message === undefined)) return undefined;
  const code = text(body.code);
  const message = text(body.message);
  return { ...(code !== undefined && { code }), ...(message !== undefined && { message }), details: pick(body, ["code", "more_info", "status", "details"]) };
};

const PAGE_FIELDS = new Set(["first_page_uri", "next_page_uri", "previous_page_uri", "uri", "meta"]);

/** The list of a Twilio page: the one array field (`messages`, `calls`, ...), or `meta.key`'s in the newer APIs. */
function twilioItems(body: unknown): unknown[] {
  if (!isRecord(body)) return [];
  const meta = body.meta;
  if (isRecord(meta) && typeof meta.key === "string" && Array.isArray(body[meta.key])) return body[meta.key] as unknown[];
  for (const [key, value] of Object.entries(body)) if (!PAGE_FIELDS.has(key) && Array.isArray(value)) return value;
  return [];
}

/** Twilio lists: follow `next_page_uri` (relative to the API origin), or `meta.next_page_url` in the newer APIs. */
export function twilioList() {
  return nextUrl<unknown>({
    items: twilioItems,
    next: (body: { next_page_uri?: unknown; meta?: { next_page_url?: unknown } }) => body.next_page_uri ?? body.meta?.next_page_url,
  });
}

function sid(value: string, prefix: string, option: string): string {
  if (!new RegExp(`^${prefix}[0-9a-fA-F]{32}$`).test(value)) throw new ConfigError(option, `must be a Twilio SID: ${prefix} followed by 32 hex digits`);
  return value;
}

/**
 * Twilio: basic auth (account SID + auth token, or API key + secret), form bodies with repeated keys for
 * arrays (`MediaUrl=a&MediaUrl=b`), `next_page_uri` paging, errors `{ code, message, more_info }`,
 * `twilio` webhooks. POSTs are not retried: the REST API has no idempotency keys.
 */
export function twilioProfile(options: TwilioOptions = {}): ProviderProfile & { accountSid: string } {
  const env = envOf(options);
  const accountSid = sid(credential(options.accountSid, "accountSid", ["TWILIO_ACCOUNT_SID"], env), "AC", "accountSid");
  const useKey = options.apiKey !== undefined || (options.authToken === undefined && env.TWILIO_API_KEY !== undefined && env.TWILIO_API_KEY !== "");
  const auth = useKey
    ? basic({
        username: sid(credential(options.apiKey, "apiKey", ["TWILIO_API_KEY"], env), "SK", "apiKey"),
        password: credential(options.apiSecret, "apiSecret", ["TWILIO_API_SECRET"], env),
      })
    : basic({ username: accountSid, password: credential(options.authToken, "authToken", ["TWILIO_AUTH_TOKEN"], env) });
  return {
    name: "twilio",
    accountSid,
    baseUrl: "https://api.twilio.com",
    auth,
    arrayFormat: "repeat",
    formArrayFormat: "repeat",
    apiError: twilioApiError,
    pagination: twilioList,
    requestIdHeaders: ["twilio-request-id"],
    webhookScheme: "twilio",
  };
}

/** A ballast `Client` for the Twilio REST API. Every `createClient` option applies on top (`baseUrl` for a simulator). */
export function twilio(options: TwilioOptions = {}): TwilioClient {
  const { accountSid: _s, authToken: _t, apiKey: _k, apiSecret: _x, ...rest } = options;
  const profile = twilioProfile(options);
  return Object.assign(providerClient(profile, rest), { accountSid: profile.accountSid });
}
