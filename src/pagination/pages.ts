import { ConfigError } from "../errors.js";
import { redactUrl } from "../redact.js";
import type { ResponseHeaders } from "../types.js";
import { integerOption } from "../util/options.js";
import { PaginationError } from "./errors.js";
import type { PageQuery, PageRequest, PageSender, PaginationStrategy } from "./types.js";

/** One fetched page. */
export interface Page<Item = unknown, Body = unknown> {
  items: Item[];
  /** The parsed body. */
  body: Body;
  status: number;
  headers: ResponseHeaders;
  url: string;
  /** 1 for the first page of this run. */
  number: number;
  /** The position this page was fetched at (`undefined` for the first page). */
  position: string | undefined;
  /** The position of the next page: save it and pass it as `from` to resume. `undefined` on the last page. */
  next: string | undefined;
}

export interface PagesOptions<Item> {
  strategy: PaginationStrategy<Item>;
  /** Query parameters sent with every page (filters, sort). */
  query?: PageQuery | undefined;
  /** Resume from a saved position (a `page.next` from an earlier run). */
  from?: string | undefined;
  /** Stop after this many pages. */
  maxPages?: number | undefined;
  /** Stop fetching once this many items have been received. */
  maxItems?: number | undefined;
  /**
   * Whether a next link may point at `origin` when it is not the first page's
   * origin (default: never). The client allows its `allowedOrigins`.
   */
  allowOrigin?: ((origin: string) => boolean) | undefined;
}

export function checkLimits(options: { maxPages?: number | undefined; maxItems?: number | undefined }): void {
  for (const name of ["maxPages", "maxItems"] as const) {
    const v = options[name];
    if (v !== undefined) integerOption(v, name, 0);
  }
}

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined; // a path, not an absolute URL
  }
}

/**
 * Fetches pages one at a time, only as fast as the caller consumes them (a
 * `break` stops fetching). A next position that was already visited stops
 * with `PaginationError("repeated_position")` instead of looping forever; a
 * next link to another origin stops with `"cross_origin"`.
 */
export async function* pages<Item>(send: PageSender, path: string, options: PagesOptions<Item>): AsyncGenerator<Page<Item>, void, undefined> {
  const { strategy } = options;
  if (strategy === null || typeof strategy !== "object" || typeof strategy.next !== "function") {
    throw new ConfigError("strategy", "must be a pagination strategy such as cursor(), offset(), page(), linkHeader() or nextUrl()");
  }
  checkLimits(options);
  const base: PageRequest = { path, query: { ...options.query } };
  const maxPages = options.maxPages ?? Number.POSITIVE_INFINITY;
  const maxItems = options.maxItems ?? Number.POSITIVE_INFINITY;
  const visited = new Set<string>();
  let position = options.from;
  let origin: string | undefined;
  let itemCount = 0;

  for (let number = 1; number <= maxPages && itemCount < maxItems; number++) {
    if (position !== undefined) visited.add(position);
    const res = await send(strategy.request(base, position));
    origin ??= originOf(res.url);
    visited.add(res.url);
    const items = strategy.items(res);
    const next = strategy.next(res, items, position);
    itemCount += items.length;
    yield { items, body: res.body, status: res.status, headers: res.headers, url: res.url, number, position, next };
    if (next === undefined) return;
    if (visited.has(next)) {
      const shown = redactUrl(next);
      throw new PaginationError(
        "repeated_position",
        `page ${number} points back at position "${shown}", which was already fetched; stopping instead of looping`,
        { position: shown },
      );
    }
    const nextOrigin = originOf(next);
    if (nextOrigin !== undefined && origin !== undefined && nextOrigin !== origin && !options.allowOrigin?.(nextOrigin)) {
      throw new PaginationError("cross_origin", `page ${number} links to another origin (${nextOrigin}); not following it with this client's credentials`, {
        position: redactUrl(next),
      });
    }
    position = next;
  }
}
