import type { StandardSchemaV1 } from "@standard-schema/spec";
import { type Page, pages } from "../pagination/pages.js";
import { paginate } from "../pagination/paginate.js";
import type { PageRequest, PageResponse, PageSender, PaginationStrategy } from "../pagination/types.js";
import type { ApiResponse } from "../types.js";
import { callKeyChecker } from "./option-keys.js";
import type { ClientConfig, RequestOptions } from "./options.js";
import type { ParamObject } from "./params.js";
import type { ParamsOption, PathParams } from "./path-params.js";

/** Request options a paginated call accepts: everything but method, body, schema and transform (those apply per item). */
export type PageCallOptions = Omit<RequestOptions, "method" | "path" | "schema" | "transform" | "json" | "form" | "body" | "idempotencyKey" | "responseType">;

/** `PageCallOptions` without `params`, which the path's template types (see `ParamsOption`). */
type PageCallBase = Omit<PageCallOptions, "params">;

/** The paging options of `client.pages()`, without `params`. */
export interface PagesBase<Item> extends PageCallBase {
  strategy: PaginationStrategy<Item>;
  /** Resume from a saved `page.next`. */
  from?: string | undefined;
  maxPages?: number | undefined;
  maxItems?: number | undefined;
}

/** The options of `client.paginate()`, without `params`. */
export interface PaginateBase<Raw, Out, T> extends PagesBase<Raw> {
  /** Validates each item (zod, valibot, arktype, any Standard Schema). */
  schema?: StandardSchemaV1<unknown, Out>;
  /** Maps each (validated) item to your model. */
  transform?: (item: Out) => T | Promise<T>;
}

export interface ClientPagesOptions<Item> extends PagesBase<Item> {
  params?: PathParams;
}

export interface ClientPaginateOptions<Raw, Out, T> extends PaginateBase<Raw, Out, T> {
  params?: PathParams;
}

export interface PaginationMethods {
  /** Items across every page; see docs/pagination.md. `params` holds the path template's placeholders. */
  paginate<Raw, Out = Raw, T = Out, P extends string = string>(
    path: P,
    options: PaginateBase<Raw, Out, T> & ParamsOption<P>,
  ): AsyncGenerator<T, void, undefined>;
  /** Pages, each with its items, parsed body, headers and the position to resume from. */
  pages<Item, P extends string = string>(path: P, options: PagesBase<Item> & ParamsOption<P>): AsyncGenerator<Page<Item>, void, undefined>;
}

interface ClientParts {
  /** Sends one call through the whole pipeline and finishes its response (status check, body, parse). */
  run(options: RequestOptions, kind: "paginate" | "pages"): Promise<{ data: unknown; response: ApiResponse }>;
  readonly config: Readonly<ClientConfig>;
}

const isAbsolute = (path: string) => /^https?:\/\//i.test(path);

/**
 * Merges the caller's query with the strategy's parameters on the caller's
 * path (every page of a cursor, offset or page strategy, and the first page
 * of any); a next link the server sent carries its own query.
 */
function mergeQuery(user: RequestOptions["query"], pg: PageRequest, callerPath: string): ParamObject | URLSearchParams {
  const own = Object.fromEntries(Object.entries(pg.query).filter(([, v]) => v !== undefined)) as Record<string, string | number | boolean>;
  if (user === undefined || pg.path !== callerPath) return own;
  if (user instanceof URLSearchParams) {
    const q = new URLSearchParams(user);
    for (const [k, v] of Object.entries(own)) q.set(k, String(v));
    return q;
  }
  return { ...(user as ParamObject), ...own };
}

/** Sends each page through the client's whole pipeline (rate limit, retry, breaker, body read in the attempt) and parses it. */
function sender(client: ClientParts, options: PageCallOptions, kind: "paginate" | "pages", callerPath: string): PageSender {
  return async (pg): Promise<PageResponse> => {
    // A next link is a whole URL: the template's params filled the first page's path only.
    const params = isAbsolute(pg.path) ? undefined : options.params;
    const { data, response } = await client.run(
      { ...options, params, method: "GET", path: pg.path, query: mergeQuery(options.query, pg, callerPath) } as RequestOptions,
      kind,
    );
    return { status: response.status, headers: response.headers, body: data, url: response.request.origin + response.request.path };
  };
}

function split<O extends PagesBase<unknown>>(options: O) {
  const { strategy, from, maxPages, maxItems, ...rest } = options;
  const call = rest as PageCallOptions & { schema?: unknown; transform?: unknown };
  const { schema, transform, ...request } = call;
  return { paging: { strategy, from, maxPages, maxItems }, shaping: { schema, transform }, request: request as PageCallOptions };
}

const PAGE_REQUEST_KEYS = [
  "params",
  "query",
  "headers",
  "cookies",
  "signal",
  "retry",
  "redirect",
  "timeout",
  "context",
  "maxResponseBytes",
  "multipart",
] as const;
const checkPaginateKeys = callKeyChecker("client.paginate()", PAGE_REQUEST_KEYS, ["strategy", "from", "maxPages", "maxItems", "schema", "transform"]);
const checkPagesKeys = callKeyChecker("client.pages()", PAGE_REQUEST_KEYS, ["strategy", "from", "maxPages", "maxItems"]);

/** `client.paginate()` and `client.pages()`, bound to one client. */
export function paginationMethods(client: ClientParts): PaginationMethods {
  const allowOrigin = (origin: string) => client.config.allowedOrigins.has(origin);
  return {
    paginate(path, options) {
      if (typeof options === "object" && options !== null) checkPaginateKeys(options);
      const { paging, shaping, request } = split(options);
      return paginate(sender(client, request, "paginate", path), path, { ...paging, ...shaping, allowOrigin } as never);
    },
    pages(path, options) {
      if (typeof options === "object" && options !== null) checkPagesKeys(options);
      const { paging, request } = split(options);
      return pages(sender(client, request, "pages", path), path, { ...paging, allowOrigin } as never);
    },
  };
}
