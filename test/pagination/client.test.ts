// client.paginate() / client.pages() against the API simulator: every page
// goes through the client's whole pipeline.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createClient } from "../../src/client/create-client.js";
import { isHttpError, isRateLimitError } from "../../src/errors.js";
import { cursor, linkHeader, nextUrl, offset, type PaginationStrategy, page } from "../../src/pagination/index.js";
import { useSimulator } from "../support/simulator.js";

interface User {
  id: number;
  first_name: string;
  last_name: string;
}
const USERS: User[] = Array.from({ length: 95 }, (_, i) => ({ id: i + 1, first_name: `F${i + 1}`, last_name: `L${i + 1}` }));

const env = useSimulator();

const cases: Array<[string, "cursor" | "offset" | "page" | "link" | "next-url" | "stripe", PaginationStrategy<unknown>]> = [
  ["cursor", "cursor", cursor()],
  ["offset", "offset", offset({ limit: 20, total: "total" })],
  ["page", "page", page({ size: 20, totalPages: "total_pages" })],
  ["linkHeader", "link", linkHeader()],
  ["nextUrl", "next-url", nextUrl()],
  ["cursor (Stripe)", "stripe", cursor({ param: "starting_after", next: (b: { data: User[] }) => b.data.at(-1)?.id, hasMore: "has_more" })],
];

describe.each(cases)("client.paginate() with %s", (_name, style, strategy) => {
  it("yields every item of the collection in order, under a baseUrl path prefix", async () => {
    env.sim.collection(`/v1/${style}/users`, USERS, { style, pageSize: 20 });
    const client = createClient({ baseUrl: `${env.sim.url}/v1`, retry: false });
    try {
      const got: unknown[] = [];
      for await (const u of client.paginate(`/${style}/users`, { strategy })) got.push(u);
      expect(got).toEqual(USERS);
    } finally {
      await client.close();
    }
  });
});

describe("client.paginate()", () => {
  it("retries a failed page through the client's retry policy and continues", async () => {
    env.sim.collection("/flaky", USERS, { style: "cursor", pageSize: 30 });
    let failed = 0;
    const remove = env.sim.use((req) => (req.path === "/flaky" && req.query.cursor !== undefined && failed++ === 0 ? { status: 503 } : undefined));
    const client = createClient({ baseUrl: env.sim.url, retry: { attempts: 3 } });
    try {
      const got: User[] = [];
      for await (const u of client.paginate<User>("/flaky", { strategy: cursor() })) got.push(u);
      expect(got).toEqual(USERS);
      expect(failed).toBeGreaterThan(1);
    } finally {
      remove();
      await client.close();
    }
  });

  it("every page passes the client's rate limiter: the third page of a 2-per-hour budget fails fast", async () => {
    env.sim.collection("/limited", USERS, { style: "cursor", pageSize: 10 });
    const client = createClient({ baseUrl: env.sim.url, retry: false, rateLimit: { limits: [{ requests: 2, per: "1h", burst: 2 }], maxWait: 0 } });
    const got: User[] = [];
    try {
      const err = await (async () => {
        for await (const u of client.paginate<User>("/limited", { strategy: cursor() })) got.push(u);
      })().catch((e) => e);
      expect(isRateLimitError(err)).toBe(true);
      expect(got).toHaveLength(20);
    } finally {
      await client.close();
    }
  });

  it("a page that fails for good throws HttpError after the pages before it", async () => {
    env.sim.collection("/broken", USERS, { style: "page", pageSize: 30 });
    const remove = env.sim.use((req) => (req.path === "/broken" && req.query.page === "2" ? { status: 404, json: { error: "gone" } } : undefined));
    const client = createClient({ baseUrl: env.sim.url, retry: false });
    const got: User[] = [];
    try {
      const err = await (async () => {
        for await (const u of client.paginate<User>("/broken", { strategy: page({ size: 30 }) })) got.push(u);
      })().catch((e) => e);
      expect(isHttpError(err) && err.status).toBe(404);
      expect(got).toHaveLength(30);
    } finally {
      remove();
      await client.close();
    }
  });

  it("sends the caller's query and headers with every page; next links are not re-appended to", async () => {
    env.sim.collection("/q", USERS, { style: "link", pageSize: 40 });
    const client = createClient({ baseUrl: env.sim.url, retry: false });
    const before = env.sim.requests.length;
    try {
      for await (const _ of client.paginate("/q", { strategy: linkHeader(), query: { sort: "name" }, headers: { "x-tenant": "t1" } }));
      const reqs = env.sim.requests.slice(before);
      expect(reqs).toHaveLength(3);
      expect(reqs.every((r) => r.headers["x-tenant"] === "t1")).toBe(true);
      expect(reqs[0]?.url).toBe("/q?sort=name");
      for (const r of reqs.slice(1)) expect(r.searchParams.getAll("sort")).toEqual(["name"]);
    } finally {
      await client.close();
    }
  });

  it.each([
    ["a cursor (every page on the caller's URL)", "cursor", cursor()],
    ["next links", "link", linkHeader()],
  ] as const)("sends the caller's query when the first page is an absolute URL, with %s", async (_name, style, strategy) => {
    env.sim.collection(`/abs-${style}`, USERS, { style, pageSize: 40 });
    const client = createClient({ baseUrl: env.sim.url, retry: false });
    const before = env.sim.requests.length;
    try {
      const got: unknown[] = [];
      for await (const u of client.paginate(`${env.sim.url}/abs-${style}`, { strategy, query: { sort: "name" } })) got.push(u);
      expect(got).toEqual(USERS);
      const reqs = env.sim.requests.slice(before);
      expect(reqs).toHaveLength(3);
      for (const r of reqs) expect(r.searchParams.getAll("sort")).toEqual(["name"]);
    } finally {
      await client.close();
    }
  });

  it("validates and transforms each item, typed end to end", async () => {
    env.sim.collection("/typed", USERS.slice(0, 5), { style: "cursor" });
    const client = createClient({ baseUrl: env.sim.url, retry: false });
    try {
      const out: Array<{ id: number; name: string }> = [];
      const it = client.paginate("/typed", {
        strategy: cursor(),
        schema: z.object({ id: z.number(), first_name: z.string(), last_name: z.string() }),
        transform: (u) => ({ id: u.id, name: `${u.first_name} ${u.last_name}` }),
      });
      for await (const u of it) out.push(u);
      expect(out[0]).toEqual({ id: 1, name: "F1 L1" });
      expect(out).toHaveLength(5);
    } finally {
      await client.close();
    }
  });

  it("client.pages() resumes from a saved position; maxItems stops early", async () => {
    env.sim.collection("/resume", USERS, { style: "cursor", pageSize: 25 });
    const client = createClient({ baseUrl: env.sim.url, retry: false });
    try {
      let saved: string | undefined;
      for await (const p of client.pages<User>("/resume", { strategy: cursor() })) {
        saved = p.next;
        break;
      }
      const rest: User[] = [];
      for await (const u of client.paginate<User>("/resume", { strategy: cursor(), from: saved, maxItems: 30 })) rest.push(u);
      expect(rest.map((u) => u.id)).toEqual(USERS.slice(25, 55).map((u) => u.id));
    } finally {
      await client.close();
    }
  });
});
