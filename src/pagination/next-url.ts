import { extract, findItems, firstOf, toPosition } from "./extract.js";
import type { AnyBody, Extractor, PaginationStrategy } from "./types.js";

export interface NextUrlOptions<Body, Item> {
  /**
   * The next page's URL in the body (default: `next`, `next_url`, `nextUrl`,
   * `links.next`, `paging.next`, `@odata.nextLink`). Relative URLs resolve
   * against the page's URL; `null` or missing ends the list.
   */
  next?: Extractor<Body, unknown>;
  /** Where the items are (default: an array body, or its `data` / `items` / `results`). */
  items?: Extractor<Body, Item[]>;
}

const DEFAULT_NEXT = ["next", "next_url", "nextUrl", "links.next", "paging.next", "@odata.nextLink"];

/** Follows a next-page URL found in the body (Django REST, JSON:API, Graph API, OData). */
export function nextUrl<Item = unknown, Body = AnyBody>(options: NextUrlOptions<Body, Item> = {}): PaginationStrategy<Item, Body> {
  return {
    name: "nextUrl",
    request: (base, position) => (position === undefined ? base : { path: position, query: {} }),
    items: (page) => findItems(options.items, page),
    next(page) {
      const raw = options.next === undefined ? firstOf(page.body, DEFAULT_NEXT) : extract(options.next, page);
      // JSON:API puts links as objects: { href }.
      const href = raw !== null && typeof raw === "object" && "href" in raw ? (raw as { href: unknown }).href : raw;
      const next = toPosition(href);
      return next === undefined ? undefined : new URL(next, page.url).href;
    },
  };
}
