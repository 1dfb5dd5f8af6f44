import { describe, expect, it, onTestFinished } from "vitest";
import { graphql } from "../../src/graphql/index.js";
import { isConfigError, isHttpError } from "../../src/index.js";
import { shopify } from "../../src/providers/index.js";
import { shopifyApiError } from "../../src/providers/shopify.js";
import { createApiSimulator, createFakeClock } from "../../src/testing/index.js";
import { useSimulator } from "../support/simulator.js";
import { httpFailure, verifyingEndpoint } from "./support.js";

const TOKEN = "shpat_0123456789abcdef0123456789abcdef";
type Product = { id: number; title: string };

describe("shopify() against the Shopify dialect", () => {
  const env = useSimulator({ provider: "shopify" });

  it("reads SHOPIFY_ACCESS_TOKEN, sends X-Shopify-Access-Token and puts the API version in the path", async () => {
    const shop = shopify({ baseUrl: env.sim.url, env: { SHOPIFY_ACCESS_TOKEN: TOKEN }, apiVersion: "2025-10" });
    onTestFinished(() => shop.close());
    const created = await shop.post<{ product: Product }>("/admin/api/products.json", { json: { product: { title: "Snowboard" } } });
    expect(created.product.title).toBe("Snowboard");
    const sent = env.sim.requests.at(-1)!;
    expect(sent.path).toBe("/admin/api/2025-10/products.json");
    expect(sent.headers["x-shopify-access-token"]).toBe(TOKEN);
    // A path that names its version is sent as written.
    await shop.get("/admin/api/2026-01/products.json");
    expect(env.sim.requests.at(-1)!.path).toBe("/admin/api/2026-01/products.json");
  });

  it("checks its options: token (naming SHOPIFY_ACCESS_TOKEN), shop, API version", () => {
    let error: unknown;
    try {
      shopify({ shop: "my-store", env: {} });
    } catch (e) {
      error = e;
    }
    expect(isConfigError(error)).toBe(true);
    expect((error as Error).message).toContain("SHOPIFY_ACCESS_TOKEN");
    expect(() => shopify({ accessToken: TOKEN })).toThrow(/shop/);
    expect(() => shopify({ shop: "https://evil.example", accessToken: TOKEN })).toThrow(/shop/);
    expect(() => shopify({ shop: "my-store", accessToken: TOKEN, apiVersion: "2026-02" })).toThrow(/apiVersion/);
    expect(shopify({ shop: "my-store", accessToken: TOKEN }).config.origin).toBe("https://my-store.myshopify.com");
  });

  it("paginates products through Link page_info to the last one", async () => {
    for (let i = 1; i <= 7; i++) env.sim.addProduct({ title: `Board ${i}` });
    const shop = shopify({ baseUrl: env.sim.url, accessToken: TOKEN });
    onTestFinished(() => shop.close());
    const titles: string[] = [];
    for await (const p of shop.paginate<Product>("/admin/api/products.json", { query: { limit: 3 } })) titles.push(p.title);
    expect(titles).toEqual(["Board 1", "Board 2", "Board 3", "Board 4", "Board 5", "Board 6", "Board 7"]);
    expect(env.sim.requests.map((r) => r.query.page_info === undefined)).toEqual([true, false, false]);
  });

  it("Shopify's { errors } bodies: a 404, a 422 with field errors, a wrong token", async () => {
    const shop = shopify({ baseUrl: env.sim.url, accessToken: TOKEN });
    onTestFinished(() => shop.close());
    const missing = await httpFailure(shop.get("/admin/api/products/:id.json", { params: { id: "1" } }));
    expect(isHttpError(missing)).toBe(true);
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ errors: "Not Found" });
    expect(missing.apiMessage).toBe("Not Found");
    const invalid = await httpFailure(shop.post("/admin/api/products.json", { json: { product: { title: "" } } }));
    expect(invalid.status).toBe(422);
    expect(invalid.apiMessage).toBe("title can't be blank");
    expect(invalid.apiDetails).toEqual({ errors: { title: ["can't be blank"] } });
    expect(shopifyApiError(invalid.body, { status: 422, headers: {} })).toEqual({
      message: "title can't be blank",
      details: { errors: { title: ["can't be blank"] } },
    });
    expect(shopifyApiError(missing.body, { status: 404, headers: {} })).toEqual({ message: "Not Found", details: { errors: "Not Found" } });
    const wrong = shopify({ baseUrl: env.sim.url, accessToken: "shpat_wrong" });
    onTestFinished(() => wrong.close());
    expect((await httpFailure(wrong.get("/admin/api/products.json"))).status).toBe(401);
  });

  it("a 503 burst is retried on reads", async () => {
    const shop = shopify({ baseUrl: env.sim.url, accessToken: TOKEN, retry: { backoff: { base: 1, cap: 5 } } });
    onTestFinished(() => shop.close());
    env.sim.inject(503, { times: 2 });
    expect(await shop.get<{ products: unknown[] }>("/admin/api/products.json")).toEqual({ products: [] });
    expect(env.sim.requests).toHaveLength(3);
  });

  it("a full call-limit bucket (X-Shopify-Shop-Api-Call-Limit n/n) makes the limiter wait for a call to leak instead of being refused", async () => {
    const clock = createFakeClock();
    const small = await createApiSimulator({ provider: "shopify", clock, restBucket: { size: 4, leakPerSecond: 2 } });
    try {
      const shop = shopify({ baseUrl: small.url, accessToken: TOKEN, clock, retry: false, timeout: false });
      for (let i = 0; i < 4; i++) await shop.get("/admin/api/products.json");
      const fifth = shop.get("/admin/api/products.json");
      await clock.waitForPending();
      expect(small.requests).toHaveLength(4);
      await clock.advance(1000);
      await fifth;
      expect(small.requests).toHaveLength(5);
      await shop.close();
    } finally {
      await small.close();
    }
  });

  it("GraphQL through ballast/graphql: the products connection to the end, the cost throttle waiting for points instead of being throttled", async () => {
    const clock = createFakeClock();
    const points = await createApiSimulator({ provider: "shopify", clock, graphqlBucket: { size: 30, restorePerSecond: 10 } });
    try {
      for (let i = 1; i <= 25; i++) points.addProduct({ title: `Item ${i}` });
      const shop = shopify({ baseUrl: points.url, accessToken: TOKEN, clock, timeout: false });
      const gql = graphql(shop, { path: "/admin/api/graphql.json", clock });
      const query = "query Products($after: String) { products(first: 10, after: $after) { edges { node { id title } } pageInfo { hasNextPage endCursor } } }";
      const titles: string[] = [];
      let done = false;
      const collecting = (async () => {
        for await (const node of gql.paginate<string, { title: string }>(query, { connection: "products" })) titles.push(node.title);
      })().finally(() => {
        done = true;
      });
      // Each page costs 13 of 30 points, 10 come back a second: the third page has to wait for them (on the fake clock).
      while (!done) {
        await Promise.race([collecting, clock.waitForPending(1, 5000)]);
        if (!done) await clock.advance(1000);
      }
      await collecting;
      expect(titles).toHaveLength(25);
      expect(titles.at(-1)).toBe("Item 25");
      const cost = gql.stats().cost!;
      expect(cost).toMatchObject({ maximum: 30, restoreRate: 10, throttled: 0 });
      expect(cost.waits).toBeGreaterThan(0);
      expect(points.requests).toHaveLength(3);
      await shop.close();
    } finally {
      await points.close();
    }
  });

  it("the dialect answers THROTTLED (HTTP 200) with throttleStatus when the points run out", async () => {
    const points = await createApiSimulator({ provider: "shopify", graphqlBucket: { size: 10, restorePerSecond: 1 } });
    try {
      const res = await fetch(`${points.url}/admin/api/2026-01/graphql.json`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-shopify-access-token": TOKEN },
        body: JSON.stringify({ query: "{ products(first: 50) { nodes { id } } }" }),
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({
        errors: [{ message: "Throttled", extensions: { code: "THROTTLED" } }],
        extensions: {
          cost: { requestedQueryCost: 53, actualQueryCost: null, throttleStatus: { maximumAvailable: 10, currentlyAvailable: 10, restoreRate: 1 } },
        },
      });
    } finally {
      await points.close();
    }
  });

  it("verifies the dialect's signed orders/create with the shopify scheme", async () => {
    env.sim.addProduct({ title: "Board", price: "25.00" });
    const endpoint = await verifyingEndpoint("shopify", "app-secret");
    const url = `${endpoint.origin}/webhooks`;
    expect((await env.sim.deliverWebhook({ url, secret: "app-secret", id: "wh-1" })).status).toBe(200);
    expect(endpoint.seen[0]).toMatchObject({ id: "wh-1", type: "orders/create", event: { total_price: "25.00", line_items: [{ title: "Board" }] } });
    expect((await env.sim.deliverWebhook({ url, secret: "app-secret", tamper: true })).status).toBe(401);
  });
});
