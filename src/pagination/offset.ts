import { integerOption } from "../util/options.js";
import { extract, findItems } from "./extract.js";
import type { AnyBody, Extractor, PaginationStrategy } from "./types.js";

export interface OffsetOptions<Body, Item> {
  /** Query parameter for the offset (default `"offset"`). */
  param?: string;
  /** Query parameter for the page size (default `"limit"`). */
  limitParam?: string;
  /** Page size; a shorter page ends the list. Not sent when unset. */
  limit?: number;
  /** Where the items are (default: an array body, or its `data` / `items` / `results`). */
  items?: Extractor<Body, Item[]>;
  /** Total number of items, when the API says (e.g. `"total"`); the list ends at it. */
  total?: Extractor<Body, unknown>;
  /** "More pages exist" flag; when it says false the list ends. */
  hasMore?: Extractor<Body, unknown>;
}

/** Offset/limit pagination: the next offset is this one plus the items received. An empty page ends the list. */
export function offset<Item = unknown, Body = AnyBody>(options: OffsetOptions<Body, Item> = {}): PaginationStrategy<Item, Body> {
  const param = options.param ?? "offset";
  const limitParam = options.limitParam ?? "limit";
  const limit = options.limit === undefined ? undefined : integerOption(options.limit, "offset.limit");
  return {
    name: "offset",
    request(base, position) {
      const query = { ...base.query, [param]: position === undefined ? 0 : Number(position) };
      if (limit !== undefined) query[limitParam] = limit;
      return { path: base.path, query };
    },
    items: (page) => findItems(options.items, page),
    next(page, items, position) {
      if (items.length === 0) return undefined;
      if (limit !== undefined && items.length < limit) return undefined;
      if (options.hasMore !== undefined && !extract(options.hasMore, page)) return undefined;
      const nextOffset = (position === undefined ? 0 : Number(position)) + items.length;
      if (options.total !== undefined) {
        const total = Number(extract(options.total, page));
        if (Number.isFinite(total) && nextOffset >= total) return undefined;
      }
      return String(nextOffset);
    },
  };
}
