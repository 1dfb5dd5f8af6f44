import { integerOption } from "../util/options.js";
import { extract, findItems, firstOf, toPosition } from "./extract.js";
import type { AnyBody, Extractor, PageResponse, PaginationStrategy } from "./types.js";

export interface CursorOptions<Body, Item> {
  /** Query parameter that carries the cursor (default `"cursor"`; Stripe: `"starting_after"`). */
  param?: string;
  /** Where the items are (default: an array body, or its `data` / `items` / `results`). */
  items?: Extractor<Body, Item[]>;
  /**
   * The next cursor (default: `next_cursor`, `nextCursor`, `meta.next_cursor`
   * or `response_metadata.next_cursor`). `null`, `""` or missing ends the list.
   * Stripe: `(body) => body.data.at(-1)?.id`.
   */
  next?: Extractor<Body, unknown>;
  /** "More pages exist" flag (e.g. Stripe's `has_more`); when it says false the list ends even if a cursor is present. */
  hasMore?: Extractor<Body, unknown>;
  /** Page size sent as `limitParam` (not sent when unset). */
  limit?: number;
  /** Query parameter for `limit` (default `"limit"`). */
  limitParam?: string;
}

const DEFAULT_NEXT = ["next_cursor", "nextCursor", "meta.next_cursor", "response_metadata.next_cursor"];

/** Cursor pagination: each page names the cursor of the next one. */
export function cursor<Item = unknown, Body = AnyBody>(options: CursorOptions<Body, Item> = {}): PaginationStrategy<Item, Body> {
  const param = options.param ?? "cursor";
  const limitParam = options.limitParam ?? "limit";
  if (options.limit !== undefined) integerOption(options.limit, "cursor.limit");
  return {
    name: "cursor",
    request(base, position) {
      const query = { ...base.query };
      if (options.limit !== undefined) query[limitParam] = options.limit;
      if (position !== undefined) query[param] = position;
      return { path: base.path, query };
    },
    items: (page) => findItems(options.items, page),
    next(page: PageResponse<Body>) {
      if (options.hasMore !== undefined && !extract(options.hasMore, page)) return undefined;
      return toPosition(options.next === undefined ? firstOf(page.body, DEFAULT_NEXT) : extract(options.next, page));
    },
  };
}
