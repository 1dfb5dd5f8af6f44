import { integerOption } from "../util/options.js";
import { extract, findItems } from "./extract.js";
import type { AnyBody, Extractor, PaginationStrategy } from "./types.js";

export interface PageNumberOptions<Body, Item> {
  /** Query parameter for the page number (default `"page"`). */
  param?: string;
  /** Query parameter for the page size (default `"per_page"`). */
  sizeParam?: string;
  /** Page size; a shorter page ends the list. Not sent when unset. */
  size?: number;
  /** Number of the first page (default 1). */
  start?: number;
  /** Where the items are (default: an array body, or its `data` / `items` / `results`). */
  items?: Extractor<Body, Item[]>;
  /** Number of pages, when the API says (e.g. `"total_pages"`); the list ends at it. */
  totalPages?: Extractor<Body, unknown>;
  /** "More pages exist" flag; when it says false the list ends. */
  hasMore?: Extractor<Body, unknown>;
}

/** Page-number pagination (`?page=2&per_page=50`). An empty page ends the list. */
export function page<Item = unknown, Body = AnyBody>(options: PageNumberOptions<Body, Item> = {}): PaginationStrategy<Item, Body> {
  const param = options.param ?? "page";
  const sizeParam = options.sizeParam ?? "per_page";
  const start = integerOption(options.start ?? 1, "page.start", 0);
  const size = options.size === undefined ? undefined : integerOption(options.size, "page.size");
  const current = (position: string | undefined) => (position === undefined ? start : Number(position));
  return {
    name: "page",
    request(base, position) {
      const query = { ...base.query, [param]: current(position) };
      if (size !== undefined) query[sizeParam] = size;
      return { path: base.path, query };
    },
    items: (p) => findItems(options.items, p),
    next(p, items, position) {
      if (items.length === 0) return undefined;
      if (size !== undefined && items.length < size) return undefined;
      if (options.hasMore !== undefined && !extract(options.hasMore, p)) return undefined;
      const n = current(position);
      if (options.totalPages !== undefined) {
        const total = Number(extract(options.totalPages, p));
        // Pages numbered from 0 end at total - 1.
        if (Number.isFinite(total) && n - start + 1 >= total) return undefined;
      }
      return String(n + 1);
    },
  };
}
