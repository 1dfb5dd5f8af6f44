import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { collectionHandler, type PaginationStyle } from "../../src/testing/pagination.js";
import { ReceivedRequest } from "../../src/testing/request.js";
import type { Reply } from "../../src/testing/types.js";

const ORIGIN = "http://sim.test";

function get(handler: ReturnType<typeof collectionHandler>, url: string): Reply {
  const path = url.startsWith(ORIGIN) ? url.slice(ORIGIN.length) : url;
  return handler(new ReceivedRequest(1, "GET", path, { host: "sim.test" }, Buffer.alloc(0), 1, 0)) as Reply;
}

function nextLink(reply: Reply): string | undefined {
  const link = String(reply.headers?.link ?? "");
  return /<([^>]+)>;\s*rel="next"/.exec(link)?.[1];
}

/** Follows a collection to its end the way a client of each style would; returns every item seen. */
function walk(style: PaginationStyle, handler: ReturnType<typeof collectionHandler>, limit: number): unknown[] {
  const seen: unknown[] = [];
  let url: string | undefined = style === "page" || style === "link" ? `/items?per_page=${limit}` : `/items?limit=${limit}`;
  for (let guard = 0; url !== undefined; guard++) {
    if (guard > 1_000) throw new Error("pagination does not end");
    const reply = get(handler, url);
    expect(reply.status ?? 200).toBe(200);
    const body = reply.json as Record<string, unknown> & unknown[];
    switch (style) {
      case "cursor":
        seen.push(...(body.data as unknown[]));
        url = body.next_cursor ? `/items?limit=${limit}&cursor=${body.next_cursor as string}` : undefined;
        break;
      case "offset": {
        const data = body.data as unknown[];
        seen.push(...data);
        const next = (body.offset as number) + data.length;
        url = next < (body.total as number) ? `/items?limit=${limit}&offset=${next}` : undefined;
        break;
      }
      case "page":
        seen.push(...(body.data as unknown[]));
        url = (body.page as number) < (body.total_pages as number) ? `/items?per_page=${limit}&page=${(body.page as number) + 1}` : undefined;
        break;
      case "link":
        seen.push(...body);
        url = nextLink(reply);
        break;
      case "next-url":
        seen.push(...(body.results as unknown[]));
        url = (body.next as string | null) ?? undefined;
        break;
      case "stripe": {
        const data = body.data as { id: string }[];
        seen.push(...data);
        url = body.has_more ? `/items?limit=${limit}&starting_after=${data.at(-1)!.id}` : undefined;
        break;
      }
    }
  }
  return seen;
}

describe("collectionHandler", () => {
  it("every style yields every item exactly once, in order, for any size and page size", () => {
    const styles: PaginationStyle[] = ["cursor", "offset", "page", "link", "next-url", "stripe"];
    fc.assert(
      fc.property(fc.constantFrom(...styles), fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 25 }), (style, count, limit) => {
        const items = Array.from({ length: count }, (_, i) => ({ id: `id_${i}` }));
        const handler = collectionHandler(items, { style, pageSize: 10 }, () => ORIGIN);
        expect(walk(style, handler, limit)).toEqual(items);
      }),
      { numRuns: 300 },
    );
  });
});
