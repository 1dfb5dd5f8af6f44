import { afterEach, describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { isValidationError } from "../../src/errors.js";
import { cursor, isPaginationError, linkHeader, nextUrl, pages, paginate } from "../../src/pagination/index.js";
import { collect } from "../support/iterate.js";
import { type Item, items, type PagingServer, sender, startPagingServer } from "./fixtures.js";

const ALL = items(50);
let server: PagingServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** 10 items a page, cursor = index of the next item. */
const cursorApi = (url: URL) => {
  const start = Number(url.searchParams.get("cursor") ?? 0);
  return { json: { data: ALL.slice(start, start + 10), next_cursor: start + 10 < ALL.length ? String(start + 10) : null } };
};

describe("pages()", () => {
  it("yields each page with its items, raw response and the position to resume from", async () => {
    server = await startPagingServer(cursorApi);
    const got = await collect(pages(sender(server.origin), "/items", { strategy: cursor<Item>() }));
    expect(got.map((p) => [p.number, p.position, p.next, p.items.length, p.status])).toEqual([
      [1, undefined, "10", 10, 200],
      [2, "10", "20", 10, 200],
      [3, "20", "30", 10, 200],
      [4, "30", "40", 10, 200],
      [5, "40", undefined, 10, 200],
    ]);
    expect(got[0]?.headers["content-type"]).toBe("application/json");
    expect(got[0]?.body).toMatchObject({ next_cursor: "10" });
  });

  it("resumes from a saved position and yields exactly the rest", async () => {
    server = await startPagingServer(cursorApi);
    let saved: string | undefined;
    for await (const p of pages(sender(server.origin), "/items", { strategy: cursor<Item>() })) {
      saved = p.next;
      if (p.number === 2) break;
    }
    expect(saved).toBe("20");
    const rest = await collect(paginate(sender(server.origin), "/items", { strategy: cursor<Item>(), from: saved }));
    expect(rest).toEqual(ALL.slice(20));
  });

  it("maxPages stops fetching after that many pages", async () => {
    server = await startPagingServer(cursorApi);
    const got = await collect(pages(sender(server.origin), "/items", { strategy: cursor(), maxPages: 2 }));
    expect(got).toHaveLength(2);
    expect(server.urls).toHaveLength(2);
  });

  it("a page whose next cursor repeats an earlier one stops with PaginationError after yielding what came before", async () => {
    server = await startPagingServer((url) => ({ json: { data: [url.searchParams.get("cursor")], next_cursor: "same" } }));
    const seen: unknown[] = [];
    const err = await (async () => {
      for await (const p of pages(sender(server!.origin), "/items", { strategy: cursor() })) seen.push(...p.items);
    })().catch((e) => e);
    expect(isPaginationError(err) && err.reason).toBe("repeated_position");
    expect(seen).toEqual([null, "same"]);
    expect(server.urls).toHaveLength(2);
  });

  it("detects a cycle through several link URLs, not only the previous one", async () => {
    server = await startPagingServer((url) => {
      const p = Number(url.searchParams.get("page") ?? 1);
      return { headers: { link: `</x?page=${p === 3 ? 2 : p + 1}>; rel="next"` }, json: [p] };
    });
    const err = await collect(paginate(sender(server.origin), "/x", { strategy: linkHeader() })).catch((e) => e);
    expect(err).toMatchObject({ code: "BALLAST_PAGINATION", reason: "repeated_position" });
    expect(server.urls).toEqual(["/x", "/x?page=2", "/x?page=3"]);
  });

  it("refuses to follow a next link to another origin, and redacts secrets in the error", async () => {
    server = await startPagingServer(() => ({ json: { next: "https://evil.example/steal?token=s3cret", results: [1] } }));
    const err = await collect(paginate(sender(server.origin), "/x", { strategy: nextUrl() })).catch((e) => e);
    expect(err).toMatchObject({ code: "BALLAST_PAGINATION", reason: "cross_origin" });
    expect(JSON.stringify(err)).not.toContain("s3cret");
    expect(server.urls).toHaveLength(1);
  });
});

describe("paginate()", () => {
  it("maxItems yields exactly that many items and fetches no page beyond the one that reached it", async () => {
    server = await startPagingServer(cursorApi);
    const got = await collect(paginate(sender(server.origin), "/items", { strategy: cursor<Item>(), maxItems: 15 }));
    expect(got).toEqual(ALL.slice(0, 15));
    expect(server.urls).toHaveLength(2);
  });

  it("break stops fetching: no request for pages that were not reached", async () => {
    server = await startPagingServer(cursorApi);
    for await (const item of paginate(sender(server.origin), "/items", { strategy: cursor<Item>() })) {
      if (item.id === 12) break;
    }
    expect(server.urls).toHaveLength(2);
  });

  it("validates and transforms each item, typed end to end", async () => {
    server = await startPagingServer(() => ({
      json: { data: [{ user_id: 7, first_name: "Ada", last_name: "Lovelace", created_at: "2024-01-02T03:04:05Z" }], next_cursor: null },
    }));
    const User = z.object({ user_id: z.number(), first_name: z.string(), last_name: z.string(), created_at: z.string() });
    const users = paginate(sender(server.origin), "/users", {
      strategy: cursor(),
      schema: User,
      transform: (u) => ({ id: u.user_id, name: `${u.first_name} ${u.last_name}`, createdAt: new Date(u.created_at) }),
    });
    expectTypeOf(users).toEqualTypeOf<AsyncGenerator<{ id: number; name: string; createdAt: Date }, void, undefined>>();
    expect(await collect(users)).toEqual([{ id: 7, name: "Ada Lovelace", createdAt: new Date("2024-01-02T03:04:05Z") }]);
  });

  it("an invalid item throws ValidationError naming the page URL, the item index and the issue path", async () => {
    server = await startPagingServer(() => ({ json: { data: [{ id: 1 }, { id: "two", password: "hunter2" }], next_cursor: null } }));
    const got: unknown[] = [];
    const err = await (async () => {
      for await (const x of paginate(sender(server!.origin), "/items", { strategy: cursor(), schema: z.object({ id: z.number() }) })) got.push(x);
    })().catch((e) => e);
    expect(got).toEqual([{ id: 1 }]);
    expect(isValidationError(err)).toBe(true);
    expect(err.issues[0].path).toEqual(["id"]);
    expect(err.request.url).toContain("/items [item 1]");
    expect(err.excerpt).not.toContain("hunter2");
  });
});
