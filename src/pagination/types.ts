import type { ResponseHeaders } from "../types.js";

/** Query values a strategy sets; `undefined` removes a parameter. */
export type PageQuery = Record<string, string | number | boolean | undefined>;

/**
 * What to fetch for one page. `path` is the path the caller gave (`/users`),
 * or, for link-following strategies, an absolute URL on the same origin.
 */
export interface PageRequest {
  path: string;
  query: PageQuery;
}

/** A fetched page as the strategy sees it. */
export interface PageResponse<Body = unknown> {
  status: number;
  headers: ResponseHeaders;
  /** The parsed body. */
  body: Body;
  /** The absolute URL this page came from (relative next links resolve against it). */
  url: string;
}

/** Fetches one page through the client's full pipeline. */
export type PageSender = (page: PageRequest) => Promise<PageResponse>;

/**
 * The default type of a page body: JSON whose shape the caller has not
 * declared. `any` (not `unknown`) so extractor callbacks can read fields
 * without casts; declare `Body` to have them checked.
 */
// biome-ignore lint/suspicious/noExplicitAny: see above
export type AnyBody = any;

/**
 * How an API pages: where the items are, and how to ask for the next page.
 * A position is a string (a cursor, an offset, a page number or a URL) so
 * it can be saved and handed back as `from` to resume.
 */
export interface PaginationStrategy<Item = unknown, Body = AnyBody> {
  readonly name: string;
  /** The request for the page at `position`; `undefined` is the first page. */
  request(base: PageRequest, position: string | undefined): PageRequest;
  /** The items of a page. */
  items(page: PageResponse<Body>): Item[];
  /** The position of the page after this one, or `undefined` when this is the last. */
  next(page: PageResponse<Body>, items: ReadonlyArray<Item>, position: string | undefined): string | undefined;
}

/** Reads a value out of a page body: a dotted path (`"meta.next"`) or a function. */
export type Extractor<Body, T> = string | ((body: Body, page: PageResponse<Body>) => T);
