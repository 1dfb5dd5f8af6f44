import "@shopify/shopify-api/adapters/node";
import { ApiVersion, Session, shopifyApi } from "@shopify/shopify-api";
import { beforeAll, describe, expect, it } from "vitest";
import { startServer } from "../../support/http-server.js";
import { useSimulator } from "../../support/simulator.js";

const TOKEN = "shpat_0123456789abcdef0123456789abcdef";

// Fidelity: @shopify/shopify-api's REST client, pointed at the dialect by its host scheme and the session's shop
// (its base URL: `${hostScheme}://${session.shop}`), runs its normal calls. Its GraphQL client always uses https,
// so GraphQL is covered by ballast's own GraphQL client in the profile tests.
describe("@shopify/shopify-api REST client against the Shopify dialect", () => {
  const env = useSimulator({ provider: "shopify", keep: "all" });
  let session: Session;
  /** The library configured for a plain-HTTP host, as the dialect serves; `over` names the app. */
  const app = (over: { apiKey: string; apiSecretKey: string; adminApiAccessToken?: string; isCustomStoreApp?: boolean }) =>
    shopifyApi({
      scopes: [],
      hostName: "localhost",
      hostScheme: "http",
      apiVersion: ApiVersion.January26,
      isEmbeddedApp: false,
      logger: { level: 0 },
      ...over,
    });
  const shopify = app({ apiKey: "key", apiSecretKey: "secret", adminApiAccessToken: TOKEN, isCustomStoreApp: true });

  beforeAll(() => {
    session = new Session({ id: "offline_sim", shop: new URL(env.sim.url).host, state: "", isOnline: false, accessToken: TOKEN });
  });

  it("creates products, then pages through them with pageInfo (Link page_info)", async () => {
    const client = new shopify.clients.Rest({ session });
    for (let i = 1; i <= 5; i++) {
      const res = await client.post({ path: "products", data: { product: { title: `Board ${i}`, vendor: "Ballast" } } });
      expect((res.body as { product: { title: string } }).product.title).toBe(`Board ${i}`);
    }
    const titles: string[] = [];
    let query: Record<string, string> | undefined = { limit: "2" };
    let pages = 0;
    while (query) {
      const res = await client.get<{ products: Array<{ title: string }> }>({ path: "products", query });
      titles.push(...res.body.products.map((p) => p.title));
      pages++;
      query = res.pageInfo?.nextPage?.query as Record<string, string> | undefined;
      expect(res.headers["X-Shopify-Shop-Api-Call-Limit"]?.[0]).toMatch(/^\d+\/40$/);
    }
    expect(titles).toEqual(["Board 1", "Board 2", "Board 3", "Board 4", "Board 5"]);
    expect(pages).toBe(3);
    expect(env.sim.requests.at(-1)?.headers["x-shopify-access-token"]).toBe(TOKEN);
    expect(env.sim.requests.at(-1)?.path).toBe("/admin/api/2026-01/products.json");
  });

  it("a missing product is a 404 HttpResponseError with Shopify's errors body", async () => {
    const client = new shopify.clients.Rest({ session });
    const failure = (await client.get({ path: "products/1" }).catch((e: unknown) => e)) as { response: { code: number; body: unknown } };
    expect(failure.response.code).toBe(404);
    expect(failure.response.body).toEqual({ errors: "Not Found" });
  });

  it("a wrong token is a 401", async () => {
    const bad = new Session({ id: "bad", shop: new URL(env.sim.url).host, state: "", isOnline: false, accessToken: "nope" });
    const other = app({ apiKey: "k", apiSecretKey: "s" });
    const failure = (await new other.clients.Rest({ session: bad }).get({ path: "products" }).catch((e: unknown) => e)) as { response: { code: number } };
    expect(failure.response.code).toBe(401);
  });

  it("its webhook validation accepts the dialect's signed orders/create", async () => {
    const validator = app({ apiKey: "key", apiSecretKey: "app-secret" });
    const server = await startServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const verdict = await validator.webhooks.validate({ rawBody: Buffer.concat(chunks).toString("utf8"), rawRequest: req, rawResponse: res });
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(verdict));
    });
    try {
      const url = `${server.origin}/webhooks`;
      const delivered = await env.sim.deliverWebhook({ url, secret: "app-secret" });
      expect(JSON.parse(delivered.body)).toMatchObject({ valid: true, topic: "ORDERS_CREATE", domain: "ballast-sim.myshopify.com" });
      const forged = await env.sim.deliverWebhook({ url, secret: "app-secret", tamper: true });
      expect(JSON.parse(forged.body)).toMatchObject({ valid: false });
    } finally {
      await server.close();
    }
  });
});
