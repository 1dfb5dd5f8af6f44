import { trusted } from "../compose.js";
import { ConfigError } from "../errors.js";
import { apiKey } from "../middleware/auth/auth.js";
import { linkHeader } from "../pagination/link-header.js";
import type { Middleware } from "../types.js";
import { type ProviderClient, providerClient } from "./client.js";
import { credential, envOf } from "./credentials.js";
import { isRecord } from "./fields.js";
import type { ApiErrorReader, ProviderClientOptions, ProviderProfile } from "./profile.js";

/** The Admin API version put in paths unless `apiVersion` says otherwise. */
export const SHOPIFY_API_VERSION = "2026-01";

export interface ShopifyOptions extends ProviderClientOptions {
  /** The shop: `my-store` or `my-store.myshopify.com` (not needed when `baseUrl` is given). */
  shop?: string;
  /** An Admin API access token (`shpat_…`). Default: `SHOPIFY_ACCESS_TOKEN`. */
  accessToken?: string;
  /** The Admin API version in paths (default {@link SHOPIFY_API_VERSION}). */
  apiVersion?: string;
}

const VERSION = /^(?:\d{4}-(?:01|04|07|10)|unstable)$/;
const ADMIN = "/admin/api/";

/** `{ errors: "Not Found" }`, `{ errors: { title: ["can't be blank"] } }` or `{ errors: [...] }` → apiMessage, apiDetails. */
export const shopifyApiError: ApiErrorReader = (body) => {
  if (!isRecord(body)) return undefined;
  const errors = body.errors ?? body.error;
  if (errors === undefined) return undefined;
  let message: string;
  if (typeof errors === "string") message = errors;
  else if (Array.isArray(errors)) message = errors.map((e) => (isRecord(e) && typeof e.message === "string" ? e.message : String(e))).join("; ");
  else if (isRecord(errors))
    message = Object.entries(errors)
      .map(([field, why]) => `${field} ${Array.isArray(why) ? why.join(", ") : String(why)}`)
      .join("; ");
  else return undefined;
  return { message, details: { errors } };
};

/** Shopify REST lists: follow `Link: <…page_info=…>; rel="next"`; the items are the body's one list field (`products`, `orders`, ...). */
export function shopifyList() {
  return linkHeader<unknown>({
    items: (body: unknown) => {
      if (!isRecord(body)) return [];
      for (const value of Object.values(body)) if (Array.isArray(value)) return value;
      return [];
    },
  });
}

/** `/admin/api/products.json` → `/admin/api/<version>/products.json`; a path that names its version is left as is. */
function versionedPaths(version: string): Middleware {
  return trusted(function shopifyApiVersion(req, next) {
    if (!req.path.startsWith(ADMIN)) return next(req);
    const rest = req.path.slice(ADMIN.length);
    const first = rest.split(/[/?]/, 1)[0] ?? "";
    if (VERSION.test(first)) return next(req);
    return next({ ...req, path: `${ADMIN}${version}/${rest}` });
  });
}

/**
 * `X-Shopify-Shop-Api-Call-Limit: 40/40` (a full leaky bucket) as the IETF `RateLimit` field the limiter
 * understands: nothing left for the time one call takes to leak, so every process sharing the key waits
 * instead of being refused. Responses that already carry `RateLimit` are left alone.
 */
export function shopifyCallLimit(leakPerSecond = 2): Middleware {
  return trusted(async function shopifyCallLimit(req, next) {
    const res = await next(req);
    const value = res.headers["x-shopify-shop-api-call-limit"];
    const m = typeof value === "string" ? /^(\d+)\/(\d+)$/.exec(value.trim()) : null;
    if (!m || res.headers.ratelimit !== undefined) return res;
    const used = Number(m[1]);
    const size = Number(m[2]);
    const remaining = Math.max(0, size - used);
    const policy = `"shopify-rest";q=${size};w=${Math.ceil(size / leakPerSecond)}`;
    const limit = `"shopify-rest";r=${remaining}${remaining === 0 ? `;t=${Math.ceil(1 / leakPerSecond)}` : ""}`;
    return { ...res, headers: { ...res.headers, ratelimit: limit, "ratelimit-policy": policy } };
  });
}

function shopOrigin(shop: string): string {
  const host = shop.includes(".") ? shop : `${shop}.myshopify.com`;
  if (!/^[a-z0-9][a-z0-9-]*\.myshopify\.com$/i.test(host))
    throw new ConfigError("shop", `must be a shop name or its .myshopify.com domain; got ${JSON.stringify(shop)}`);
  return `https://${host.toLowerCase()}`;
}

/**
 * Shopify Admin API: `X-Shopify-Access-Token`, the version in the path (`/admin/api/2026-01/...`, filled in
 * when a path leaves it out), REST's leaky bucket (40 calls, 2 a second) as the client-side limit with
 * `X-Shopify-Shop-Api-Call-Limit` driving the limiter, `Link` `page_info` pagination, `{ errors }` bodies,
 * `shopify` webhooks. GraphQL: `graphql(client, { path: "/admin/api/graphql.json" })` from `ballast/graphql`,
 * whose cost throttle reads `extensions.cost.throttleStatus`.
 */
export function shopifyProfile(options: ShopifyOptions = {}): ProviderProfile {
  const accessToken = credential(options.accessToken, "accessToken", ["SHOPIFY_ACCESS_TOKEN"], envOf(options));
  if (options.shop === undefined && options.baseUrl === undefined) throw new ConfigError("shop", "is required: my-store or my-store.myshopify.com");
  const apiVersion = options.apiVersion ?? SHOPIFY_API_VERSION;
  if (!VERSION.test(apiVersion))
    throw new ConfigError("apiVersion", `must be a quarterly version such as ${SHOPIFY_API_VERSION} (or "unstable"); got ${JSON.stringify(apiVersion)}`);
  return {
    name: "shopify",
    baseUrl: options.shop === undefined ? (options.baseUrl as string) : shopOrigin(options.shop),
    auth: apiKey({ header: "X-Shopify-Access-Token", value: accessToken }),
    apiError: shopifyApiError,
    // 40 calls that may go at once, then 2 a second: the documented bucket as GCRA.
    rateLimit: { limits: [{ requests: 40, per: "20s", burst: 40 }] },
    pagination: shopifyList,
    requestIdHeaders: ["x-request-id"],
    webhookScheme: "shopify",
    use: [versionedPaths(apiVersion), shopifyCallLimit()],
  };
}

/** A ballast `Client` for the Shopify Admin API. Every `createClient` option applies on top (`baseUrl` for a simulator). */
export function shopify(options: ShopifyOptions = {}): ProviderClient {
  const { shop: _s, accessToken: _t, apiVersion: _v, ...rest } = options;
  return providerClient(shopifyProfile(options), rest);
}
