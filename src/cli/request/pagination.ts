import { cursor } from "../../pagination/cursor.js";
import { getPath } from "../../pagination/extract.js";
import { linkHeader, parseLinkHeader } from "../../pagination/link-header.js";
import { nextUrl } from "../../pagination/next-url.js";
import { offset } from "../../pagination/offset.js";
import { page } from "../../pagination/page.js";
import type { PageResponse, PaginationStrategy } from "../../pagination/types.js";
import { usageError } from "../exit.js";

import { PAGINATION_KINDS, type PaginationKind } from "./pagination-kinds.js";

export type { PaginationKind };

export interface PaginationFlags {
  kind: PaginationKind;
  /** Dotted path to the items (default: an array body, or its data / items / results). */
  items?: string | undefined;
  /** Query parameter carrying the cursor (cursor strategy; default "cursor"). */
  cursorParam?: string | undefined;
  /** Page size to ask for. */
  limit?: number | undefined;
}

const NEXT_URL_FIELDS = ["next", "next_url", "nextUrl", "links.next", "paging.next", "@odata.nextLink"];
const CURSOR_FIELDS = ["next_cursor", "nextCursor", "meta.next_cursor", "response_metadata.next_cursor", "pagination.next_cursor"];

type Detected = { name: string; strategy: PaginationStrategy };

const isNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

function looksLikeUrl(v: unknown): boolean {
  const href = v !== null && typeof v === "object" && "href" in v ? (v as { href: unknown }).href : v;
  return typeof href === "string" && (/^https?:\/\//i.test(href) || href.startsWith("/"));
}

function lastId(body: unknown, items: string | undefined): unknown {
  const list = items === undefined ? getPath(body, "data") : getPath(body, items);
  return Array.isArray(list) ? (list.at(-1) as { id?: unknown } | undefined)?.id : undefined;
}

/**
 * Reads how an API pages from its first response, in this order: a `Link`
 * header with `rel="next"`; a next-page URL in the body (`next`, `links.next`,
 * `@odata.nextLink`, ...); a cursor field (`next_cursor`, Slack's
 * `response_metadata.next_cursor`, ...); Stripe's `has_more` with item ids
 * (`starting_after`); `page` + `total_pages`; `offset` + `total`. Undefined
 * when the response shows no sign of more pages.
 */
export function detectPagination(first: PageResponse, flags: Omit<PaginationFlags, "kind">): Detected | undefined {
  const items = flags.items;
  const body = first.body as unknown;
  const link = parseLinkHeader(first.headers.link).some((l) => l.rel.includes("next") || l.rel.includes("last"));
  if (link) return { name: "link", strategy: linkHeader(items === undefined ? {} : { items }) };
  if (body === null || typeof body !== "object" || Array.isArray(body)) return undefined;
  const nextField = NEXT_URL_FIELDS.find((f) => getPath(body, f) !== undefined);
  if (nextField !== undefined && (getPath(body, nextField) === null || looksLikeUrl(getPath(body, nextField))))
    return { name: "next-url", strategy: nextUrl({ next: nextField, ...(items && { items }) }) };
  const cursorField = CURSOR_FIELDS.find((f) => getPath(body, f) !== undefined);
  if (cursorField !== undefined)
    return { name: "cursor", strategy: cursor({ next: cursorField, param: flags.cursorParam ?? "cursor", ...(items && { items }), ...limitOf(flags) }) };
  const hasMore = (body as Record<string, unknown>).has_more;
  if (typeof hasMore === "boolean" && lastId(body, items) !== undefined) {
    return {
      name: "cursor (starting_after)",
      strategy: cursor({
        param: flags.cursorParam ?? "starting_after",
        hasMore: "has_more",
        next: (b: unknown) => lastId(b, items),
        ...(items && { items }),
        ...limitOf(flags),
      }),
    };
  }
  const b = body as Record<string, unknown>;
  if (isNumber(b.page) && isNumber(b.total_pages))
    return { name: "page", strategy: page({ totalPages: "total_pages", ...(items && { items }), ...(flags.limit && { size: flags.limit }) }) };
  if (isNumber(b.offset) && isNumber(b.total)) return { name: "offset", strategy: offset({ total: "total", ...(items && { items }), ...limitOf(flags) }) };
  return undefined;
}

const limitOf = (flags: { limit?: number | undefined }) => (flags.limit === undefined ? {} : { limit: flags.limit });

/** The strategy `--paginate KIND` names (everything but `auto`). */
export function namedStrategy(flags: PaginationFlags): PaginationStrategy {
  const items = flags.items === undefined ? {} : { items: flags.items };
  switch (flags.kind) {
    case "cursor":
      return cursor({ param: flags.cursorParam ?? "cursor", ...items, ...limitOf(flags) });
    case "link":
      return linkHeader(items);
    case "offset":
      return offset({ ...items, ...limitOf(flags) });
    case "page":
      return page({ ...items, ...(flags.limit && { size: flags.limit }) });
    case "next-url":
      return nextUrl(items);
    default:
      throw usageError(`--paginate must be one of ${PAGINATION_KINDS.join(", ")}; got ${JSON.stringify(flags.kind)}`);
  }
}

/**
 * A strategy that decides from the first page (see `detectPagination`) and
 * then behaves as the strategy it found; without any sign of pages, the first
 * page is the only one. `detected()` names what it chose.
 */
export function autoPagination(flags: Omit<PaginationFlags, "kind">): PaginationStrategy & { detected(): string | undefined } {
  let chosen: Detected | undefined;
  let decided = false;
  const decide = (p: PageResponse) => {
    if (!decided) {
      decided = true;
      chosen = detectPagination(p, flags);
    }
    return chosen;
  };
  const fallbackItems = (p: PageResponse): unknown[] => {
    const body = p.body as unknown;
    if (flags.items !== undefined) {
      const found = getPath(body, flags.items);
      return Array.isArray(found) ? found : [];
    }
    if (Array.isArray(body)) return body;
    for (const key of ["data", "items", "results"]) {
      const v = body !== null && typeof body === "object" ? (body as Record<string, unknown>)[key] : undefined;
      if (Array.isArray(v)) return v;
    }
    // Not a list: the body itself is the one item.
    return [body];
  };
  return {
    name: "auto",
    detected: () => chosen?.name,
    request: (base, position) => (position === undefined || chosen === undefined ? base : chosen.strategy.request(base, position)),
    items: (p) => {
      const d = decide(p);
      return d === undefined ? fallbackItems(p) : d.strategy.items(p);
    },
    next: (p, items, position) => {
      const d = decide(p);
      return d === undefined ? undefined : d.strategy.next(p, items, position);
    },
  };
}
