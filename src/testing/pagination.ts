import { ConfigError } from "../errors.js";
import type { Reply, ReplyHandler, SimRequest } from "./types.js";

/**
 * How `sim.collection()` pages its items:
 * - `cursor`: `?cursor=&limit=` → `{ data, next_cursor, has_more }` (opaque cursor, null at the end)
 * - `offset`: `?offset=&limit=` → `{ data, total, offset, limit }`
 * - `page`: `?page=&per_page=` (1-based) → `{ data, page, per_page, total, total_pages }`
 * - `link`: `?page=&per_page=` → a JSON array, RFC 8288 `Link` header (`next`, `prev`, `first`, `last`), `X-Total-Count`
 * - `next-url`: `?offset=&limit=` → `{ count, results, next, previous }` with absolute URLs or null
 * - `stripe`: `?starting_after=<id>&ending_before=<id>&limit=` → `{ object: "list", url, data, has_more }`
 *
 * Every style also accepts Stripe's `starting_after` / `ending_before` when the items have an `id`.
 */
export type PaginationStyle = "cursor" | "offset" | "page" | "link" | "next-url" | "stripe";

export interface CollectionOptions {
  style: PaginationStyle;
  /** Items per page when the request names no size; default 10. */
  pageSize?: number;
  /** Largest page a request may ask for (bigger asks are clamped); default the larger of 100 and `pageSize`. */
  maxPageSize?: number;
}

const STYLES: ReadonlySet<string> = new Set<PaginationStyle>(["cursor", "offset", "page", "link", "next-url", "stripe"]);

class BadParameter extends Error {
  constructor(readonly parameter: string) {
    super(`invalid ${parameter}`);
  }
}

function badRequest(parameter: string): Reply {
  return { status: 400, json: { error: "invalid_parameter", parameter, message: `"${parameter}" is not valid for this collection` } };
}

function integerParam(req: SimRequest, name: string, fallback: number, min: number): number {
  const raw = req.searchParams.get(name);
  if (raw === null || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new BadParameter(name);
  return n;
}

function encodeCursor(index: number): string {
  return Buffer.from(`i:${index}`).toString("base64url");
}

function decodeCursor(cursor: string): number {
  const m = /^i:(\d+)$/.exec(Buffer.from(cursor, "base64url").toString("utf8"));
  if (!m) throw new BadParameter("cursor");
  return Number(m[1]);
}

function idOf(item: unknown): unknown {
  return item !== null && typeof item === "object" ? (item as { id?: unknown }).id : undefined;
}

function indexOfId(items: readonly unknown[], id: string, parameter: string): number {
  const i = items.findIndex((item) => String(idOf(item)) === id);
  if (i === -1) throw new BadParameter(parameter);
  return i;
}

/** An absolute URL for the same request with some query parameters replaced. */
function urlWith(req: SimRequest, fallbackOrigin: string, changes: Record<string, string | number>): string {
  const host = req.headers.host;
  const origin = typeof host === "string" && host !== "" ? `http://${host}` : fallbackOrigin;
  const params = new URLSearchParams(req.searchParams);
  for (const [k, v] of Object.entries(changes)) params.set(k, String(v));
  return `${origin}${req.path}?${params.toString()}`;
}

/** Builds the GET handler that serves `items` (read on every request: tests may push to the array between pages). */
export function collectionHandler(items: readonly unknown[], options: CollectionOptions, origin: () => string): ReplyHandler {
  if (!Array.isArray(items)) throw new ConfigError("collection.items", "must be an array");
  if (!options || !STYLES.has(options.style)) throw new ConfigError("collection.style", `must be one of ${[...STYLES].join(", ")}`);
  const pageSize = options.pageSize ?? 10;
  if (!Number.isInteger(pageSize) || pageSize < 1) throw new ConfigError("collection.pageSize", "must be a positive integer");
  const maxPageSize = options.maxPageSize ?? Math.max(100, pageSize);
  if (!Number.isInteger(maxPageSize) || maxPageSize < pageSize) throw new ConfigError("collection.maxPageSize", "must be an integer no smaller than pageSize");
  const style = options.style;
  const sizeParam = style === "page" || style === "link" ? "per_page" : "limit";

  return (req) => {
    try {
      const size = Math.min(integerParam(req, sizeParam, pageSize, 1), maxPageSize);
      const after = req.searchParams.get("starting_after");
      const before = req.searchParams.get("ending_before");
      if (style === "stripe" || after !== null || before !== null) return stripePage(req, items, size, after, before);
      switch (style) {
        case "cursor": {
          const cursor = req.searchParams.get("cursor");
          const start = cursor ? decodeCursor(cursor) : 0;
          const end = Math.min(start + size, items.length);
          const hasMore = end < items.length;
          return { json: { data: items.slice(start, end), next_cursor: hasMore ? encodeCursor(end) : null, has_more: hasMore } };
        }
        case "offset": {
          const start = integerParam(req, "offset", 0, 0);
          return { json: { data: items.slice(start, start + size), total: items.length, offset: start, limit: size } };
        }
        case "page": {
          const page = integerParam(req, "page", 1, 1);
          const totalPages = Math.max(1, Math.ceil(items.length / size));
          const data = items.slice((page - 1) * size, page * size);
          return { json: { data, page, per_page: size, total: items.length, total_pages: totalPages } };
        }
        case "link": {
          const page = integerParam(req, "page", 1, 1);
          const lastPage = Math.max(1, Math.ceil(items.length / size));
          const link = (p: number, rel: string) => `<${urlWith(req, origin(), { page: p, per_page: size })}>; rel="${rel}"`;
          const links: string[] = [];
          if (page < lastPage) links.push(link(page + 1, "next"));
          if (page > 1) links.push(link(Math.min(page - 1, lastPage), "prev"));
          links.push(link(1, "first"), link(lastPage, "last"));
          return {
            headers: { link: links.join(", "), "x-total-count": String(items.length) },
            json: items.slice((page - 1) * size, page * size),
          };
        }
        case "next-url": {
          const start = integerParam(req, "offset", 0, 0);
          const end = start + size;
          const next = end < items.length ? urlWith(req, origin(), { offset: end, limit: size }) : null;
          const previous = start > 0 ? urlWith(req, origin(), { offset: Math.max(0, start - size), limit: size }) : null;
          return { json: { count: items.length, results: items.slice(start, end), next, previous } };
        }
        default:
          throw new BadParameter("style");
      }
    } catch (error) {
      if (error instanceof BadParameter) return badRequest(error.parameter);
      throw error;
    }
  };
}

function stripePage(req: SimRequest, items: readonly unknown[], size: number, after: string | null, before: string | null): Reply {
  let start: number;
  let end: number;
  if (after !== null && after !== "") {
    start = indexOfId(items, after, "starting_after") + 1;
    end = Math.min(start + size, items.length);
  } else if (before !== null && before !== "") {
    end = indexOfId(items, before, "ending_before");
    start = Math.max(0, end - size);
  } else {
    start = 0;
    end = Math.min(size, items.length);
  }
  const hasMore = before !== null && before !== "" ? start > 0 : end < items.length;
  return { json: { object: "list", url: req.path, data: items.slice(start, end), has_more: hasMore } };
}
