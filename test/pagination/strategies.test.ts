import { afterEach, describe, expect, it } from "vitest";
import { isConfigError } from "../../src/errors.js";
import { cursor, linkHeader, nextUrl, offset, page, pages, paginate, parseLinkHeader } from "../../src/pagination/index.js";
import { collect } from "../support/iterate.js";
import { type Item, items, type PagingServer, sender, startPagingServer } from "./fixtures.js";

const ALL = items(23);
let server: PagingServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("cursor()", () => {
  it("follows next_cursor until it is null, keeping the caller's query and sending the limit", async () => {
    server = await startPagingServer((url) => {
      const start = Number(url.searchParams.get("cursor") ?? 0);
      const limit = Number(url.searchParams.get("limit"));
      const data = ALL.slice(start, start + limit);
      const end = start + limit;
      return { json: { data, next_cursor: end < ALL.length ? String(end) : null } };
    });
    const got = await collect(paginate(sender(server.origin), "/items", { strategy: cursor<Item>({ limit: 10 }), query: { status: "active" } }));
    expect(got).toEqual(ALL);
    expect(server.urls).toEqual(["/items?status=active&limit=10", "/items?status=active&limit=10&cursor=10", "/items?status=active&limit=10&cursor=20"]);
  });

  it("Stripe style: the cursor is the last item's id and has_more ends the list", async () => {
    server = await startPagingServer((url) => {
      const after = Number(url.searchParams.get("starting_after") ?? 0);
      const data = ALL.filter((i) => i.id > after).slice(0, 5);
      return { json: { object: "list", data, has_more: data.length > 0 && (data.at(-1)?.id ?? 0) < ALL.length } };
    });
    const strategy = cursor<Item, { data: Item[]; has_more: boolean }>({
      param: "starting_after",
      items: (b) => b.data,
      next: (b) => b.data.at(-1)?.id,
      hasMore: "has_more",
    });
    expect(await collect(paginate(sender(server.origin), "/v1/customers", { strategy }))).toEqual(ALL);
    expect(server.urls).toHaveLength(5);
  });

  it("Slack style: response_metadata.next_cursor, an empty string ends the list", async () => {
    server = await startPagingServer((url) => {
      const c = url.searchParams.get("cursor");
      return c
        ? { json: { ok: true, members: [{ id: 2 }], response_metadata: { next_cursor: "" } } }
        : { json: { ok: true, members: [{ id: 1 }], response_metadata: { next_cursor: "dXNlcjo=" } } };
    });
    const got = await collect(paginate(sender(server.origin), "/users.list", { strategy: cursor({ items: "members" }) }));
    expect(got).toEqual([{ id: 1 }, { id: 2 }]);
  });
});

describe("offset()", () => {
  it("counts the offset from the items received and stops at total", async () => {
    server = await startPagingServer((url) => {
      const off = Number(url.searchParams.get("offset"));
      return { json: { results: ALL.slice(off, off + 10), total: ALL.length } };
    });
    const got = await collect(paginate(sender(server.origin), "/items", { strategy: offset({ limit: 10, total: "total" }) }));
    expect(got).toEqual(ALL);
    expect(server.urls).toEqual(["/items?offset=0&limit=10", "/items?offset=10&limit=10", "/items?offset=20&limit=10"]);
  });

  it("without limit or total, stops at the first empty page", async () => {
    server = await startPagingServer((url) => {
      const off = Number(url.searchParams.get("skip"));
      return { json: ALL.slice(off, off + 7) };
    });
    const got = await collect(paginate(sender(server.origin), "/items", { strategy: offset({ param: "skip" }) }));
    expect(got).toEqual(ALL);
    expect(server.urls.at(-1)).toBe("/items?skip=23");
  });
});

describe("page()", () => {
  it("counts pages from `start` and stops at total_pages", async () => {
    server = await startPagingServer((url) => {
      const p = Number(url.searchParams.get("p"));
      return { json: { items: ALL.slice(p * 10, p * 10 + 10), total_pages: 3 } };
    });
    const got = await collect(
      paginate(sender(server.origin), "/items", { strategy: page({ param: "p", start: 0, sizeParam: "size", size: 10, totalPages: "total_pages" }) }),
    );
    expect(got).toEqual(ALL);
    expect(server.urls).toEqual(["/items?p=0&size=10", "/items?p=1&size=10", "/items?p=2&size=10"]);
  });

  it("a short page ends the list without asking for another", async () => {
    server = await startPagingServer((url) => {
      const p = Number(url.searchParams.get("page"));
      return { json: ALL.slice((p - 1) * 10, p * 10) };
    });
    await collect(paginate(sender(server.origin), "/items", { strategy: page({ size: 10 }) }));
    expect(server.urls).toHaveLength(3);
  });
});

describe("linkHeader()", () => {
  it("follows rel=next (GitHub style absolute links) and not rel=last", async () => {
    server = await startPagingServer((url) => {
      const p = Number(url.searchParams.get("page") ?? 1);
      const base = `http://${url.host}/repos/o/r/issues?state=open&page=`;
      const links = [`<${base}${p + 1}>; rel="next"`, `<${base}3>; rel="last"`].slice(p < 3 ? 0 : 1);
      return { headers: { link: links.join(", ") }, json: ALL.slice((p - 1) * 10, p * 10) };
    });
    const got = await collect(paginate(sender(server.origin), "/repos/o/r/issues", { strategy: linkHeader(), query: { state: "open" } }));
    expect(got).toEqual(ALL);
    expect(server.urls).toEqual(["/repos/o/r/issues?state=open", "/repos/o/r/issues?state=open&page=2", "/repos/o/r/issues?state=open&page=3"]);
  });

  it("resolves relative links against the page URL", async () => {
    server = await startPagingServer((url) => {
      const p = Number(url.searchParams.get("page") ?? 1);
      return { headers: p < 2 ? { link: '<?page=2>; rel="next"' } : {}, json: [{ id: p }] };
    });
    expect(await collect(paginate(sender(server.origin), "/a/b", { strategy: linkHeader() }))).toEqual([{ id: 1 }, { id: 2 }]);
    expect(server.urls).toEqual(["/a/b", "/a/b?page=2"]);
  });

  it("parses RFC 8288 headers: several rels, quoted commas, unquoted values, repeated headers", () => {
    const links = parseLinkHeader(['<https://x/a?q=1,2>; rel="next last"; title="a, b; c"', '<https://x/b>; rel=prev, </c>;rel="first"']);
    expect(links.map((l) => [l.uri, l.rel])).toEqual([
      ["https://x/a?q=1,2", ["next", "last"]],
      ["https://x/b", ["prev"]],
      ["/c", ["first"]],
    ]);
    expect(links[0]?.params.title).toBe("a, b; c");
    expect(parseLinkHeader(undefined)).toEqual([]);
    expect(parseLinkHeader("garbage")).toEqual([]);
  });
});

describe("nextUrl()", () => {
  it("follows a next URL in the body (Django REST style, relative and absolute)", async () => {
    server = await startPagingServer((url) => {
      const p = Number(url.searchParams.get("page") ?? 1);
      const next = p === 1 ? "/api/items?page=2" : p === 2 ? `http://${url.host}/api/items?page=3` : null;
      return { json: { count: ALL.length, next, results: ALL.slice((p - 1) * 10, p * 10) } };
    });
    expect(await collect(paginate(sender(server.origin), "/api/items", { strategy: nextUrl() }))).toEqual(ALL);
  });

  it("reads JSON:API links.next objects and OData @odata.nextLink", async () => {
    server = await startPagingServer((url) => {
      if (url.pathname === "/jsonapi")
        return { json: url.search ? { data: [2], links: { next: null } } : { data: [1], links: { next: { href: "/jsonapi?page[number]=2" } } } };
      return { json: url.search ? { value: [2] } : { value: [1], "@odata.nextLink": "/odata?$skiptoken=x" } };
    });
    expect(await collect(paginate(sender(server.origin), "/jsonapi", { strategy: nextUrl() }))).toEqual([1, 2]);
    expect(await collect(paginate(sender(server.origin), "/odata", { strategy: nextUrl({ items: "value" }) }))).toEqual([1, 2]);
  });
});

describe("option checks", () => {
  it("throws ConfigError naming the option", () => {
    for (const make of [() => cursor({ limit: 0 }), () => offset({ limit: 1.5 }), () => page({ size: -1 }), () => page({ start: -1 })]) {
      expect(make).toThrow(expect.objectContaining({ code: "BALLAST_CONFIG" }));
    }
    try {
      page({ size: 0 });
    } catch (e) {
      expect(isConfigError(e) && e.option).toBe("page.size");
    }
  });

  it("rejects a missing strategy and bad limits before fetching", async () => {
    const never = () => Promise.reject(new Error("must not fetch"));
    await expect(collect(pages(never, "/x", { strategy: undefined as never }))).rejects.toMatchObject({ option: "strategy" });
    await expect(collect(pages(never, "/x", { strategy: cursor(), maxPages: -1 }))).rejects.toMatchObject({ option: "maxPages" });
  });
});
