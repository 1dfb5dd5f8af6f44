import { PaginationError } from "./errors.js";
import type { Extractor, PageResponse } from "./types.js";

/** Follows a dotted path (`"data.users"`) into a JSON value. */
export function getPath(value: unknown, path: string): unknown {
  // A key that itself contains dots (`@odata.nextLink`) wins over the path reading.
  if (value !== null && typeof value === "object" && Object.hasOwn(value, path)) return (value as Record<string, unknown>)[path];
  let cur = value;
  for (const key of path.split(".")) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

export function extract<Body, T>(extractor: Extractor<Body, T>, page: PageResponse<Body>): T | unknown {
  return typeof extractor === "function" ? extractor(page.body, page) : getPath(page.body, extractor);
}

const ITEM_KEYS = ["data", "items", "results"] as const;

/** The items of a page: what `items` points at, or by default the body when it is an array, else its `data`, `items` or `results` array. */
export function findItems<Body, Item>(extractor: Extractor<Body, Item[]> | undefined, page: PageResponse<Body>): Item[] {
  if (extractor !== undefined) {
    const found = extract(extractor, page);
    if (Array.isArray(found)) return found as Item[];
    throw new PaginationError("no_items", `the items extractor did not return an array (got ${found === null ? "null" : typeof found})`);
  }
  const body = page.body as unknown;
  if (Array.isArray(body)) return body as Item[];
  if (body !== null && typeof body === "object") {
    for (const key of ITEM_KEYS) {
      const v = (body as Record<string, unknown>)[key];
      if (Array.isArray(v)) return v as Item[];
    }
  }
  throw new PaginationError(
    "no_items",
    'no items found in the page (looked for an array body, or "data", "items", "results"); pass items: (body) => body.yourList',
  );
}

/** The first of several dotted paths that holds a non-empty value. */
export function firstOf(body: unknown, paths: ReadonlyArray<string>): unknown {
  for (const p of paths) {
    const v = getPath(body, p);
    if (v !== undefined && v !== null && v !== "") return v;
  }
  return undefined;
}

/** A position as a string, or undefined for "no more": null, "", false and missing all end the list. */
export function toPosition(v: unknown): string | undefined {
  if (v === undefined || v === null || v === "" || v === false) return undefined;
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "bigint") return String(v);
  throw new PaginationError("no_items", `a next position must be a string or number; got ${typeof v}`);
}
