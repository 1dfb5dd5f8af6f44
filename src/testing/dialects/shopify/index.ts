import { STATUS_CODES } from "node:http";
import { systemClock } from "../../../clock.js";
import { ConfigError } from "../../../errors.js";
import type { ApiSimulator } from "../../simulator.js";
import type { Reply, SimRequest } from "../../types.js";
import { deliverWebhook, type WebhookDeliveryResult } from "../../webhook-delivery.js";
import { extendSimulator } from "../extend.js";
import { jsonBody, linkHeader, originOf, positiveInt, randomId } from "../http.js";
import { baseOptions, type Dialect, type DialectBaseOptions, type ProviderSimulator } from "../types.js";
import { LeakyBuckets } from "./buckets.js";
import { Catalog, type ShopifyProduct } from "./catalog.js";
import { type GraphQLRequest, type GraphQLResolver, requestedCost, resolveBuiltIn } from "./graphql.js";

export type { ShopifyProduct } from "./catalog.js";
export type { GraphQLAnswer, GraphQLRequest, GraphQLResolver } from "./graphql.js";

export interface ShopifySimulatorOptions extends DialectBaseOptions {
  /** The shop's `*.myshopify.com` domain, as it appears in payloads (default `ballast-sim.myshopify.com`). */
  shop?: string;
  /** REST leaky bucket: calls that fit (default 40) and calls drained per second (default 2), per access token. */
  restBucket?: { size?: number; leakPerSecond?: number };
  /** GraphQL cost bucket: points (default 2000) and points restored per second (default 100), per access token. */
  graphqlBucket?: { size?: number; restorePerSecond?: number };
  /** Answers GraphQL operations the built-in `shop`/`products` resolvers do not cover. */
  graphql?: GraphQLResolver;
}

export interface ShopifyWebhookOptions {
  url: string;
  /** The app's client secret (webhooks are signed with it). */
  secret: string;
  /** Default `"orders/create"`. */
  topic?: string;
  /** The body (default: a paid order for the first product). */
  payload?: Record<string, unknown>;
  /** `X-Shopify-Webhook-Id` (default random; the same on every retry of a delivery). */
  id?: string;
  tamper?: boolean;
  headers?: Record<string, string>;
}

/** What a test controls in the Shopify dialect. */
export interface ShopifyControls {
  readonly products: readonly ShopifyProduct[];
  addProduct(input: { title: string; body_html?: string; vendor?: string; product_type?: string; tags?: string; price?: string }): ShopifyProduct;
  /** Signs a webhook with the app secret (`X-Shopify-Hmac-Sha256`) and POSTs it. */
  deliverWebhook(options: ShopifyWebhookOptions): Promise<WebhookDeliveryResult>;
}

/** `createApiSimulator({ provider: "shopify" })`: `reset()` also forgets products and bucket levels. */
export interface ShopifySimulator extends ProviderSimulator, ShopifyControls {
  readonly provider: "shopify";
}

const VERSION = /^(?:\d{4}-(?:01|04|07|10)|unstable)$/;
const TOKEN = /^shp(?:at|ca|pa|ss|ua)_[A-Za-z0-9]{16,}$/;
const INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)";

function errors(status: number, value: unknown, headers: Record<string, string> = {}): Reply {
  return { status, headers, json: { errors: value } };
}

function encodePageInfo(lastId: number, direction: "next" | "prev"): string {
  return Buffer.from(JSON.stringify({ last_id: lastId, direction })).toString("base64url");
}

function decodePageInfo(text: string): { last_id: number; direction: "next" | "prev" } | undefined {
  try {
    const v = JSON.parse(Buffer.from(text, "base64url").toString("utf8")) as { last_id?: unknown; direction?: unknown };
    return typeof v.last_id === "number" && (v.direction === "next" || v.direction === "prev") ? { last_id: v.last_id, direction: v.direction } : undefined;
  } catch {
    return undefined;
  }
}

/** A status injected without a body, as Shopify would send it: `{ errors: "<reason>" }`. */
export function shopifyErrorReply(status: number): Reply {
  return errors(status, STATUS_CODES[status] ?? "Error", status === 429 ? { "retry-after": "2.0" } : {});
}

/**
 * The Shopify Admin API: `/admin/api/:version/...`
 * REST paths with `X-Shopify-Access-Token`, the `X-Shopify-Shop-Api-Call-Limit`
 * leaky bucket (429 + `Retry-After` when full), `Link` paging with
 * `page_info`, `{ errors }` bodies, the GraphQL endpoint with
 * `extensions.cost.throttleStatus` (and `THROTTLED` when the points run out),
 * and signed webhooks.
 */
export const shopifyDialect: Dialect<ShopifySimulatorOptions, ShopifySimulator> = async (options, start) => {
  const sim = await start({ ...baseOptions(options), notFound: () => errors(404, "Not Found"), errorReply: shopifyErrorReply });
  const { controls, resetState } = shopifyRoutes(sim, options);
  return extendSimulator(sim, "shopify", controls, resetState);
};

function shopifyRoutes(sim: ApiSimulator, options: ShopifySimulatorOptions): { controls: ShopifyControls; resetState: () => void } {
  const clock = options.clock ?? systemClock;
  const now = () => clock.now();
  const shop = options.shop ?? "ballast-sim.myshopify.com";
  const rest = new LeakyBuckets(now, options.restBucket?.size ?? 40, options.restBucket?.leakPerSecond ?? 2);
  const points = new LeakyBuckets(now, options.graphqlBucket?.size ?? 2000, options.graphqlBucket?.restorePerSecond ?? 100);
  for (const [name, v] of [
    ["restBucket.size", rest.size],
    ["restBucket.leakPerSecond", rest.leakPerSecond],
    ["graphqlBucket.size", points.size],
    ["graphqlBucket.restorePerSecond", points.leakPerSecond],
  ] as const) {
    if (!(Number.isFinite(v) && v > 0)) throw new ConfigError(`shopify.${name}`, `must be a positive number; got ${v}`);
  }
  const catalog = new Catalog(now);

  /** Version and token checks; `kind` decides which bucket the call spends. */
  function admin(kind: "rest" | "graphql", handler: (req: SimRequest, token: string) => Reply) {
    return (req: SimRequest): Reply => {
      const version = req.params.version!;
      const headers: Record<string, string> = { "x-request-id": `${randomId(8, "0123456789abcdef")}-${randomId(4, "0123456789abcdef")}` };
      if (!VERSION.test(version)) return errors(404, "Not Found", headers);
      headers["x-shopify-api-version"] = version;
      const token = req.headers["x-shopify-access-token"];
      if (typeof token !== "string" || !TOKEN.test(token)) return errors(401, INVALID_TOKEN, headers);
      if (kind === "rest") {
        const level = rest.add(token, 1);
        if (level === undefined) {
          headers["x-shopify-shop-api-call-limit"] = `${rest.size}/${rest.size}`;
          headers["retry-after"] = "2.0";
          return errors(429, `Exceeded ${rest.leakPerSecond} calls per second for api client. Reduce request rates to resume uninterrupted service.`, headers);
        }
        headers["x-shopify-shop-api-call-limit"] = `${Math.ceil(level)}/${rest.size}`;
      }
      const reply = handler(req, token);
      return { ...reply, headers: { ...headers, ...reply.headers } };
    };
  }

  sim.route(
    "GET",
    "/admin/api/:version/products.json",
    admin("rest", (req) => {
      const limit = positiveInt(req.query.limit, 50);
      if (limit === undefined || limit > 250) return errors(400, { limit: "Limit must be between 1 and 250" });
      const all = catalog.products;
      let start = 0;
      const pageInfo = req.query.page_info;
      if (pageInfo !== undefined) {
        const extra = Object.keys(req.query).filter((k) => k !== "page_info" && k !== "limit" && k !== "fields");
        if (extra.length > 0) return errors(400, { page_info: `page_info does not allow ${extra.join(", ")}` });
        const info = decodePageInfo(pageInfo);
        const at = info === undefined ? -1 : all.findIndex((p) => p.id === info.last_id);
        if (info === undefined || at === -1) return errors(400, { page_info: "Invalid value." });
        start = info.direction === "next" ? at + 1 : Math.max(0, at - limit);
      }
      const page = all.slice(start, start + limit);
      const base = `${originOf(req, sim.url)}${req.path}`;
      const link = linkHeader({
        previous: start > 0 && page.length > 0 ? `${base}?limit=${limit}&page_info=${encodePageInfo(page[0]!.id, "prev")}` : undefined,
        next: start + page.length < all.length && page.length > 0 ? `${base}?limit=${limit}&page_info=${encodePageInfo(page.at(-1)!.id, "next")}` : undefined,
      });
      return { headers: link ? { link } : {}, json: { products: page } };
    }),
  );

  sim.route(
    "GET",
    "/admin/api/:version/products/:id.json",
    admin("rest", (req) => {
      const product = catalog.find(Number(req.params.id));
      return product ? { json: { product } } : errors(404, "Not Found");
    }),
  );

  sim.route(
    "POST",
    "/admin/api/:version/products.json",
    admin("rest", (req) => {
      const input = (jsonBody(req) as { product?: Record<string, unknown> } | undefined)?.product;
      if (input === undefined || typeof input !== "object" || input === null) return errors(400, { product: "Required parameter missing or invalid" });
      if (typeof input.title !== "string" || input.title.trim() === "") return errors(422, { title: ["can't be blank"] });
      const fields: Record<string, string> = {};
      for (const name of ["body_html", "vendor", "product_type", "tags"]) if (typeof input[name] === "string") fields[name] = input[name];
      const product = catalog.add({ ...fields, title: input.title });
      return { status: 201, json: { product } };
    }),
  );

  sim.route(
    "POST",
    "/admin/api/:version/graphql.json",
    admin("graphql", (req, token) => {
      const body = jsonBody(req) as { query?: unknown; variables?: unknown } | undefined;
      if (typeof body?.query !== "string" || body.query.trim() === "") return errors(400, { query: "Required parameter missing or invalid" });
      const request: GraphQLRequest = { query: body.query, variables: (body.variables as Record<string, unknown> | undefined) ?? {} };
      const requested = requestedCost(request);
      const status = () => ({
        maximumAvailable: points.size,
        currentlyAvailable: Math.floor(points.size - points.level(token)),
        restoreRate: points.leakPerSecond,
      });
      if (points.add(token, requested) === undefined) {
        const cost = { requestedQueryCost: requested, actualQueryCost: null, throttleStatus: status() };
        return {
          json: {
            errors: [{ message: "Throttled", extensions: { code: "THROTTLED", documentation: "https://shopify.dev/api/usage/rate-limits" } }],
            extensions: { cost },
          },
        };
      }
      const answer = options.graphql?.(request) ?? resolveBuiltIn(request, catalog, shop);
      const actual = answer.errors && !answer.data ? 0 : Math.min(answer.actualCost ?? requested, requested);
      points.refund(token, requested - actual);
      const json: Record<string, unknown> = {};
      if (answer.data !== undefined) json.data = answer.data;
      if (answer.errors !== undefined) json.errors = answer.errors;
      json.extensions = { cost: { requestedQueryCost: requested, actualQueryCost: actual, throttleStatus: status() } };
      return { json };
    }),
  );

  const controls: ShopifyControls = {
    get products() {
      return catalog.products;
    },
    addProduct: (input) => catalog.add(input),
    deliverWebhook(o) {
      const topic = o.topic ?? "orders/create";
      const product = catalog.products[0];
      const id = 450_789_469_000 + Math.floor(Math.random() * 1000);
      const payload = o.payload ?? {
        id,
        admin_graphql_api_id: `gid://shopify/Order/${id}`,
        name: "#1001",
        order_number: 1001,
        email: "customer@example.com",
        created_at: new Date(now()).toISOString(),
        currency: "USD",
        financial_status: "paid",
        total_price: product?.variants[0]?.price ?? "10.00",
        line_items: product
          ? [{ id: id + 1, product_id: product.id, variant_id: product.variants[0]?.id, title: product.title, quantity: 1, price: product.variants[0]?.price }]
          : [],
      };
      return deliverWebhook({
        url: o.url,
        scheme: "shopify",
        secret: o.secret,
        payload,
        type: topic,
        ...(o.id !== undefined && { id: o.id }),
        ...(o.tamper !== undefined && { tamper: o.tamper }),
        headers: {
          "x-shopify-shop-domain": shop,
          "x-shopify-api-version": "2026-01",
          "x-shopify-triggered-at": new Date(now()).toISOString(),
          "x-shopify-event-id": randomId(12, "0123456789abcdef"),
          ...o.headers,
        },
        clock,
      });
    },
  };
  function resetState(): void {
    catalog.clear();
    rest.clear();
    points.clear();
  }
  return { controls, resetState };
}
