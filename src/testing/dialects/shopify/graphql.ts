import type { Catalog, ShopifyProduct } from "./catalog.js";

export interface GraphQLRequest {
  query: string;
  variables: Record<string, unknown>;
}

export interface GraphQLAnswer {
  data?: unknown;
  errors?: unknown[];
  /** Points the operation actually cost (default: what it requested). */
  actualCost?: number;
}

/** Answers an operation; undefined leaves it to the built-in resolvers. */
export type GraphQLResolver = (request: GraphQLRequest) => GraphQLAnswer | undefined;

type Arg = { kind: "number"; value: number } | { kind: "string"; value: string } | { kind: "null" } | undefined;

/** One literal or `$variable` argument of a field call, e.g. `first` in `products(first: $n, after: "x")`. */
function argument(args: string, name: string, variables: Record<string, unknown>): Arg {
  const m = new RegExp(`\\b${name}\\s*:\\s*("(?:[^"\\\\]|\\\\.)*"|\\$\\w+|-?\\d+|null)`).exec(args);
  if (!m) return undefined;
  const raw = m[1]!;
  const value = raw.startsWith("$") ? variables[raw.slice(1)] : raw.startsWith('"') ? JSON.parse(raw) : raw === "null" ? null : Number(raw);
  if (typeof value === "number") return { kind: "number", value };
  if (typeof value === "string") return { kind: "string", value };
  return value === null || value === undefined ? { kind: "null" } : undefined;
}

/** The argument lists of every call of `field(...)` in the document. */
function calls(query: string, field: string): string[] {
  return [...query.matchAll(new RegExp(`\\b${field}\\s*\\(([^)]*)\\)`, "g"))].map((m) => m[1]!);
}

/**
 * What Shopify charges before running an operation: 1 for the query, plus
 * 2 + the page size for each connection (Shopify's documented estimate), 10
 * for a mutation.
 */
export function requestedCost(request: GraphQLRequest): number {
  let cost = /^\s*mutation\b/.test(request.query) ? 10 : 1;
  for (const args of calls(request.query, "\\w+")) {
    const size = argument(args, "first", request.variables) ?? argument(args, "last", request.variables);
    if (size?.kind === "number") cost += 2 + size.value;
  }
  return cost;
}

function cursorOf(product: ShopifyProduct): string {
  return Buffer.from(JSON.stringify({ last_id: product.id })).toString("base64url");
}

function afterIndex(products: readonly ShopifyProduct[], cursor: string): number | undefined {
  try {
    const { last_id } = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as { last_id?: unknown };
    const i = products.findIndex((p) => p.id === last_id);
    return i === -1 ? undefined : i + 1;
  } catch {
    return undefined;
  }
}

function productNode(p: ShopifyProduct) {
  return {
    id: p.admin_graphql_api_id,
    legacyResourceId: String(p.id),
    title: p.title,
    handle: p.handle,
    vendor: p.vendor,
    productType: p.product_type,
    status: p.status.toUpperCase(),
    tags: p.tags === "" ? [] : p.tags.split(", "),
    createdAt: p.created_at,
    updatedAt: p.updated_at,
  };
}

/**
 * The simulator's GraphQL Admin API: `shop` and the `products` connection
 * (`first`/`after`, edges and nodes, `pageInfo`), found by their calls in the
 * document. Every field of a node is returned, whatever the selection; other
 * operations need a resolver of the test's own (`graphql` option).
 */
export function resolveBuiltIn(request: GraphQLRequest, catalog: Catalog, shop: string): GraphQLAnswer {
  const data: Record<string, unknown> = {};
  let actualCost = 1;
  if (/\bshop\s*\{/.test(request.query)) data.shop = { name: "Ballast Simulator Store", myshopifyDomain: shop, currencyCode: "USD" };
  const productCalls = calls(request.query, "products");
  for (const args of productCalls) {
    const first = argument(args, "first", request.variables);
    if (first?.kind !== "number" || first.value < 1 || first.value > 250) {
      return { errors: [{ message: "you must provide one of first or last (1 to 250)", extensions: { code: "argumentLiteralsIncompatible" } }] };
    }
    const after = argument(args, "after", request.variables);
    const start = after?.kind === "string" ? afterIndex(catalog.products, after.value) : 0;
    if (start === undefined)
      return { errors: [{ message: "Invalid cursor for current pagination sort.", path: ["products"], extensions: { code: "BAD_REQUEST" } }] };
    const page = catalog.products.slice(start, start + first.value);
    const edges = page.map((p) => ({ cursor: cursorOf(p), node: productNode(p) }));
    data.products = {
      edges,
      nodes: edges.map((e) => e.node),
      pageInfo: {
        hasNextPage: start + page.length < catalog.products.length,
        hasPreviousPage: start > 0,
        startCursor: edges[0]?.cursor ?? null,
        endCursor: edges.at(-1)?.cursor ?? null,
      },
    };
    actualCost += 2 + page.length;
  }
  if (Object.keys(data).length === 0) {
    return {
      errors: [
        {
          message: "The simulator resolves `shop` and `products` only: answer other operations with installShopifyDialect(sim, { graphql })",
          extensions: { code: "undefinedField" },
        },
      ],
    };
  }
  return { data, actualCost };
}
