import { request } from "undici";
import { describe, expect, it } from "vitest";
import { useSimulator } from "../support/simulator.js";

const env = useSimulator();
const items = Array.from({ length: 25 }, (_, i) => ({ id: `it_${i + 1}`, n: i + 1 }));

async function get(pathOrUrl: string) {
  const url = pathOrUrl.startsWith("http") ? pathOrUrl : env.sim.url + pathOrUrl;
  const res = await request(url, { dispatcher: env.agent });
  return { status: res.statusCode, headers: res.headers, body: (await res.body.json()) as Record<string, unknown> & unknown[] };
}

function ns(data: unknown): number[] {
  return (data as { n: number }[]).map((item) => item.n);
}

/** Parses an RFC 8288 Link header into rel → URL. */
function parseLink(header: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of String(header ?? "").split(",")) {
    const m = /<([^>]+)>\s*;\s*rel="([^"]+)"/.exec(part.trim());
    if (m) out[m[2]!] = m[1]!;
  }
  return out;
}

describe("sim.collection", () => {
  it("cursor: follows next_cursor until has_more is false", async () => {
    env.sim.collection("/items", items, { style: "cursor", pageSize: 10 });
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await get(`/items${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ""}`);
      pages++;
      seen.push(...ns(res.body.data));
      cursor = res.body.next_cursor as string | null;
      expect(res.body.has_more).toBe(cursor !== null);
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(items.map((i) => i.n));
  });

  it("cursor: limit sets the page size, clamped to maxPageSize; a bad cursor is a 400", async () => {
    env.sim.collection("/items", items, { style: "cursor", maxPageSize: 20 });
    expect(ns((await get("/items?limit=3")).body.data)).toEqual([1, 2, 3]);
    expect((await get("/items?limit=1000")).body.data).toHaveLength(20);
    const bad = await get("/items?cursor=garbage");
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: "invalid_parameter", parameter: "cursor" });
    expect((await get("/items?limit=0")).status).toBe(400);
  });

  it("offset: offset and limit, with the total", async () => {
    env.sim.collection("/items", items, { style: "offset" });
    const first = await get("/items");
    expect(first.body).toMatchObject({ total: 25, offset: 0, limit: 10 });
    expect(ns(first.body.data)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(ns((await get("/items?offset=20&limit=10")).body.data)).toEqual([21, 22, 23, 24, 25]);
    expect((await get("/items?offset=30")).body.data).toEqual([]);
    expect((await get("/items?offset=-1")).status).toBe(400);
  });

  it("page: 1-based pages with per_page and total_pages", async () => {
    env.sim.collection("/items", items, { style: "page", pageSize: 10 });
    const second = await get("/items?page=2");
    expect(second.body).toMatchObject({ page: 2, per_page: 10, total: 25, total_pages: 3 });
    expect(ns(second.body.data)).toEqual([11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
    expect(ns((await get("/items?page=1&per_page=5")).body.data)).toEqual([1, 2, 3, 4, 5]);
    expect((await get("/items?page=4")).body.data).toEqual([]);
    expect((await get("/items?page=0")).status).toBe(400);
  });

  it("link: a JSON array and a Link header with next, prev, first and last, followed to the end", async () => {
    env.sim.collection("/items", items, { style: "link", pageSize: 10 });
    const first = await get("/items?per_page=10&filter=x");
    expect(Array.isArray(first.body)).toBe(true);
    expect(first.headers["x-total-count"]).toBe("25");
    const links = parseLink(first.headers.link);
    expect(Object.keys(links).sort()).toEqual(["first", "last", "next"]);
    expect(links.next).toBe(`${env.sim.url}/items?per_page=10&filter=x&page=2`);
    expect(new URL(links.last!).searchParams.get("page")).toBe("3");

    const seen = ns(first.body);
    let next = links.next;
    while (next) {
      const res = await get(next);
      seen.push(...ns(res.body));
      const rels = parseLink(res.headers.link);
      expect(rels.prev).toBeDefined();
      next = rels.next;
    }
    expect(seen).toEqual(items.map((i) => i.n));
  });

  it("next-url: results with absolute next and previous URLs, null at the ends", async () => {
    env.sim.collection("/items", items, { style: "next-url", pageSize: 10 });
    const first = await get("/items");
    expect(first.body).toMatchObject({ count: 25, previous: null });
    const seen = ns(first.body.results);
    let next = first.body.next as string | null;
    expect(next?.startsWith(env.sim.url)).toBe(true);
    let last = first;
    while (next) {
      last = await get(next);
      seen.push(...ns(last.body.results));
      next = last.body.next as string | null;
    }
    expect(seen).toEqual(items.map((i) => i.n));
    expect(last.body.previous).toEqual(expect.stringContaining(`${env.sim.url}/items?`));
  });

  it("stripe: starting_after / ending_before by id, { object: list, data, has_more }", async () => {
    env.sim.collection("/v1/customers", items, { style: "stripe", pageSize: 10 });
    const first = await get("/v1/customers?limit=10");
    expect(first.body).toMatchObject({ object: "list", url: "/v1/customers", has_more: true });
    const seen = ns(first.body.data);
    let body = first.body;
    while (body.has_more) {
      const lastId = (body.data as { id: string }[]).at(-1)!.id;
      body = (await get(`/v1/customers?limit=10&starting_after=${lastId}`)).body;
      seen.push(...ns(body.data));
    }
    expect(seen).toEqual(items.map((i) => i.n));
    const before = await get("/v1/customers?limit=3&ending_before=it_5");
    expect(ns(before.body.data)).toEqual([2, 3, 4]);
    expect(before.body.has_more).toBe(true);
    expect((await get("/v1/customers?starting_after=nope")).status).toBe(400);
  });

  it("every style also accepts Stripe's starting_after when items have ids", async () => {
    env.sim.collection("/items", items, { style: "cursor" });
    const res = await get("/items?starting_after=it_23");
    expect(res.body).toMatchObject({ object: "list", has_more: false });
    expect(ns(res.body.data)).toEqual([24, 25]);
  });

  it("serves the items array as it is now: items pushed between pages are seen", async () => {
    const live = items.slice(0, 3);
    env.sim.collection("/live", live, { style: "offset" });
    expect((await get("/live")).body.total).toBe(3);
    live.push({ id: "new", n: 99 });
    expect((await get("/live")).body.total).toBe(4);
  });

  it("an empty collection is one empty page", async () => {
    env.sim.collection("/none", [], { style: "cursor" });
    expect((await get("/none")).body).toEqual({ data: [], next_cursor: null, has_more: false });
    env.sim.collection("/none-link", [], { style: "link" });
    const link = await get("/none-link");
    expect(link.body).toEqual([]);
    expect(parseLink(link.headers.link).next).toBeUndefined();
  });

  it("returns the route, so calls can be counted", async () => {
    const route = env.sim.collection("/items", items, { style: "page" });
    await get("/items?page=1");
    await get("/items?page=2");
    expect(route.calls).toBe(2);
  });

  it("rejects invalid options", () => {
    expect(() => env.sim.collection("/x", items, { style: "weird" as "page" })).toThrow(/style/);
    expect(() => env.sim.collection("/x", items, { style: "page", pageSize: 0 })).toThrow(/pageSize/);
    expect(() => env.sim.collection("/x", items, { style: "page", pageSize: 10, maxPageSize: 5 })).toThrow(/maxPageSize/);
  });
});
