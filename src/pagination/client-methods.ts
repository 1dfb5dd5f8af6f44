import type { StandardSchemaV1 } from "@standard-schema/spec";
import { toHttpError } from "../client/http-error.js";
import type { ClientConfig, RequestOptions } from "../client/options.js";
import type { ParamObject } from "../client/params.js";
import { decodeBody } from "../client/parse.js";
import { readBody } from "../client/read-body.js";
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
  /** Sends one page of `paginate()`. */
  raw(options: RequestOptions): Promise<ApiResponse>;
  /** Sends one page of `pages()` (told apart from `paginate()` in the published events). */
  rawPages?(options: RequestOptions): Promise<ApiResponse>;
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

/** Sends each page through the client's whole pipeline (rate limit, retry, breaker) and parses it. */
function sender(client: ClientParts, options: PageCallOptions, send = client.raw): PageSender {
  const { config } = client;
  return async (pg): Promise<PageResponse> => {
    const res = await send({ ...options, method: "GET", path: pg.path, query: mergeQuery(options.query, pg) });
    if (res.status >= 400) {
      const buf = await readBody(res, Math.min(config.maxResponseBytes, 1 << 20)).catch(() => Buffer.alloc(0));
      throw toHttpError(res, buf, config.requestIdHeaders);
    }
    const buf = await readBody(res, options.maxResponseBytes ?? config.maxResponseBytes);
    return { status: res.status, headers: res.headers, body: decodeBody(buf, res, "auto"), url: res.request.origin + res.request.path };
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
      return paginate(sender(client, request), path, { ...paging, ...shaping, allowOrigin } as never);
    },
    pages(path, options) {
      const { paging, request } = split(options);
      return pages(sender(client, request, client.rawPages ?? client.raw), path, { ...paging, allowOrigin } as never);
    },
  };
}
