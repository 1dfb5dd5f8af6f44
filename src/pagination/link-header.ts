import { findItems } from "./extract.js";
import type { AnyBody, Extractor, PaginationStrategy } from "./types.js";

export interface LinkHeaderOptions<Body, Item> {
  /** The relation to follow (default `"next"`). */
  rel?: string;
  /** Where the items are (default: an array body, or its `data` / `items` / `results`). */
  items?: Extractor<Body, Item[]>;
}

/** One link of an RFC 8288 `Link` header. */
export interface Link {
  uri: string;
  rel: string[];
  params: Record<string, string>;
}

/**
 * Parses an RFC 8288 `Link` header (`<https://x/?page=2>; rel="next", <...>; rel="last"`).
 * Commas and semicolons inside `<...>` and quoted strings are part of the value.
 */
export function parseLinkHeader(value: string | string[] | undefined): Link[] {
  if (value === undefined) return [];
  const text = Array.isArray(value) ? value.join(",") : value;
  const links: Link[] = [];
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf("<", i);
    if (open === -1) break;
    const close = text.indexOf(">", open);
    if (close === -1) break;
    const link: Link = { uri: text.slice(open + 1, close).trim(), rel: [], params: {} };
    i = close + 1;
    // Parameters: ; name=value | ; name="quoted, value" | ; name
    for (;;) {
      while (i < text.length && /\s/.test(text[i] as string)) i++;
      if (text[i] !== ";") break;
      i++;
      const m = /^\s*([^\s=;,]+)\s*(?:=\s*(?:"((?:[^"\\]|\\.)*)"|([^;,\s]*)))?/.exec(text.slice(i));
      if (!m) break;
      i += m[0].length;
      const name = (m[1] as string).toLowerCase();
      const v = m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : (m[3] ?? "");
      if (!(name in link.params)) link.params[name] = v;
    }
    link.rel = (link.params.rel ?? "").toLowerCase().split(/\s+/).filter(Boolean);
    links.push(link);
    const comma = text.indexOf(",", i);
    if (comma === -1) break;
    i = comma + 1;
  }
  return links;
}

/** Follows the `Link: <...>; rel="next"` response header (GitHub, GitLab, many REST APIs). */
export function linkHeader<Item = unknown, Body = AnyBody>(options: LinkHeaderOptions<Body, Item> = {}): PaginationStrategy<Item, Body> {
  const rel = (options.rel ?? "next").toLowerCase();
  return {
    name: "linkHeader",
    // The next link carries every parameter itself (filters included), so it replaces the base request.
    request: (base, position) => (position === undefined ? base : { path: position, query: {} }),
    items: (page) => findItems(options.items, page),
    next(page) {
      const link = parseLinkHeader(page.headers.link).find((l) => l.rel.includes(rel));
      return link === undefined ? undefined : new URL(link.uri, page.url).href;
    },
  };
}
