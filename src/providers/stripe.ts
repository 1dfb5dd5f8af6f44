import { ConfigError } from "../errors.js";
import { bearer } from "../middleware/auth/auth.js";
import { cursor } from "../pagination/cursor.js";
import { type ProviderClient, providerClient } from "./client.js";
import { credential, envOf } from "./credentials.js";
import { isRecord, pick, text } from "./fields.js";
import type { ApiErrorReader, ProviderClientOptions, ProviderProfile } from "./profile.js";

/** The API version sent as `Stripe-Version` unless `apiVersion` says otherwise (the one stripe-node 23 pins). */
export const STRIPE_API_VERSION = "2026-10-28.endive";

export interface StripeOptions extends ProviderClientOptions {
  /** A secret (`sk_...`) or restricted (`rk_...`) key. Default: `STRIPE_SECRET_KEY`, then `STRIPE_API_KEY`. */
  apiKey?: string;
  /** `Stripe-Version` (default {@link STRIPE_API_VERSION}). */
  apiVersion?: string;
  /** A connected account to act for (`Stripe-Account: acct_...`). */
  stripeAccount?: string;
}

const ERROR_DETAILS = ["type", "code", "decline_code", "param", "doc_url", "request_log_url", "charge", "advice_code", "network_decline_code"];

/** `{ error: { type, code, decline_code, param, message, doc_url } }` → apiCode (the code, else the type), apiMessage, apiDetails. */
export const stripeApiError: ApiErrorReader = (body) => {
  const error = isRecord(body) ? body.error : undefined;
  if (!isRecord(error)) return undefined;
  const details = pick(error, ERROR_DETAILS);
  const paymentIntent = error.payment_intent;
  if (isRecord(paymentIntent) && typeof paymentIntent.id === "string") details.payment_intent = paymentIntent.id;
  const code = text(error.code) ?? text(error.type);
  const message = text(error.message);
  return { ...(code !== undefined && { code }), ...(message !== undefined && { message }), details };
};

/** Stripe lists: `{ data, has_more }`, the next page `starting_after` the last item's id. */
export function stripeList() {
  return cursor<unknown>({
    param: "starting_after",
    items: "data",
    hasMore: "has_more",
    next: (body: { data?: { id?: unknown }[] }) => body.data?.at(-1)?.id,
  });
}

/**
 * Stripe: bearer secret key, `Stripe-Version`, form bodies with nested brackets (`metadata[k]=v`,
 * `expand[]=customer`, `items[0][price]=p`), an idempotency key on every POST, `Stripe-Should-Retry`,
 * `has_more`/`starting_after` lists, 25 requests/s with test keys and 100/s with live ones, `stripe` webhooks.
 */
export function stripeProfile(options: StripeOptions = {}): ProviderProfile {
  const apiKey = credential(options.apiKey, "apiKey", ["STRIPE_SECRET_KEY", "STRIPE_API_KEY"], envOf(options));
  if (apiKey.startsWith("pk_"))
    throw new ConfigError("apiKey", "is a publishable key (pk_...): API calls need a secret key (sk_...) or a restricted key (rk_...)");
  const apiVersion = options.apiVersion ?? STRIPE_API_VERSION;
  if (typeof apiVersion !== "string" || apiVersion === "") throw new ConfigError("apiVersion", "must be a non-empty string such as 2026-10-28.endive");
  const headers: Record<string, string> = { "stripe-version": apiVersion };
  if (options.stripeAccount !== undefined) {
    if (!/^acct_\w+$/.test(options.stripeAccount)) throw new ConfigError("stripeAccount", "must be a connected account id (acct_...)");
    headers["stripe-account"] = options.stripeAccount;
  }
  const live = apiKey.includes("_live_");
  return {
    name: "stripe",
    baseUrl: "https://api.stripe.com",
    auth: bearer(apiKey),
    headers,
    formArrayFormat: "brackets",
    apiError: stripeApiError,
    retry: { shouldRetryHeaders: ["stripe-should-retry"] },
    rateLimit: { limits: [{ requests: live ? 100 : 25, per: "1s" }] },
    pagination: stripeList,
    idempotencyKey: "auto",
    webhookScheme: "stripe",
  };
}

/** A ballast `Client` for the Stripe API. Every `createClient` option applies on top (`baseUrl` for a simulator). */
export function stripe(options: StripeOptions = {}): ProviderClient {
  const { apiKey: _k, apiVersion: _v, stripeAccount: _a, ...rest } = options;
  return providerClient(stripeProfile(options), rest);
}
