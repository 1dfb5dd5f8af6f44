import type { StandardSchemaV1 } from "@standard-schema/spec";
import type { ClientConfig, RequestOptions } from "../client/options.js";
import type { ParamObject } from "../client/params.js";
import type { ApiResponse } from "../types.js";
import { type Page, pages } from "./pages.js";
import { paginate } from "./paginate.js";
import type { PageRequest, PageResponse, PageSender, PaginationStrategy } from "./types.js";

/** Request options a paginated call accepts: everything but method, body, schema and transform (those apply per item). */
export type PageCallOptions = Omit<RequestOptions, "method" | "path" | "schema" | "transform" | "json" | "form" | "body" | "idempotencyKey" | "responseType">;

export interface ClientPagesOptions<Item> extends PageCallOptions {
  strategy: PaginationStrategy<Item>;
  /** Resume from a saved `page.next`. */
  from?: string | undefined;
  maxPages?: number | undefined;
  maxItems?: number | undefined;
}

export interface ClientPaginateOptions<Raw, Out, T> extends ClientPagesOptions<Raw> {
  /** Validates each item (zod, valibot, arktype, any Standard Schema). */
  schema?: StandardSchemaV1<unknown, Out>;
  /** Maps each (validated) item to your model. */
  transform?: (item: Out) => T | Promise<T>;
}

export interface PaginationMethods {
  /** Items across every page; see docs/pagination.md. */
  paginate<Raw, Out = Raw, T = Out>(path: string, options: ClientPaginateOptions<Raw, Out, T>): AsyncGenerator<T, void, undefined>;
  /** Pages, each with its items, parsed body, headers and the position to resume from. */
  pages<Item>(path: string, options: ClientPagesOptions<Item>): AsyncGenerator<Page<Item>, void, undefined>;
}

interface ClientParts {
  /** Sends one call through the whole pipeline and finishes its response (status check, body, parse). */
  run(options: RequestOptions, kind: "paginate" | "pages"): Promise<{ data: unknown; response: ApiResponse }>;
  readonly config: Readonly<ClientConfig>;
}

const isAbsolute = (path: string) => /^https?:\/\//i.test(path);

/** Merges the caller's query (first page only: next links carry their own) with the strategy's parameters. */
function mergeQuery(user: RequestOptions["query"], pg: PageRequest): ParamObject | URLSearchParams {
  const own = Object.fromEntries(Object.entries(pg.query).filter(([, v]) => v !== undefined)) as Record<string, string | number | boolean>;
  if (user === undefined || isAbsolute(pg.path)) return own;
  if (user instanceof URLSearchParams) {
    const q = new URLSearchParams(user);
    for (const [k, v] of Object.entries(own)) q.set(k, String(v));
    return q;
  }
  return { ...(user as ParamObject), ...own };
}

/** Sends each page through the client's whole pipeline (rate limit, retry, breaker, body read in the attempt) and parses it. */
function sender(client: ClientParts, options: PageCallOptions, kind: "paginate" | "pages"): PageSender {
  return async (pg): Promise<PageResponse> => {
    const { data, response } = await client.run({ ...options, method: "GET", path: pg.path, query: mergeQuery(options.query, pg) }, kind);
    return { status: response.status, headers: response.headers, body: data, url: response.request.origin + response.request.path };
  };
}

function split<O extends ClientPagesOptions<unknown>>(options: O) {
  const { strategy, from, maxPages, maxItems, ...rest } = options;
  const call = rest as PageCallOptions & { schema?: unknown; transform?: unknown };
  const { schema, transform, ...request } = call;
  return { paging: { strategy, from, maxPages, maxItems }, shaping: { schema, transform }, request: request as PageCallOptions };
}

/** `client.paginate()` and `client.pages()`, bound to one client. */
export function paginationMethods(client: ClientParts): PaginationMethods {
  const allowOrigin = (origin: string) => client.config.allowedOrigins.has(origin);
  return {
    paginate(path, options) {
      const { paging, shaping, request } = split(options);
      return paginate(sender(client, request, "paginate"), path, { ...paging, ...shaping, allowOrigin } as never);
    },
    pages(path, options) {
      const { paging, request } = split(options);
      return pages(sender(client, request, "pages"), path, { ...paging, allowOrigin } as never);
    },
  };
}
