import { beforeAll, describe, expect, it } from "vitest";
import { type Client, ConfigError, isConfigError } from "../../src/index.js";
import { providerClient, sendgrid, stripe, twilio } from "../../src/providers/index.js";
import { useSimulator } from "../support/simulator.js";

const env = useSimulator({ keep: "routes" });
beforeAll(() => {
  env.sim.route("GET", "/echo", (req) => ({ json: { headers: req.headers, url: req.url } }));
  env.sim.route("GET", "/items", (req) => {
    const after = Number(req.query.starting_after ?? 0);
    const data = [after + 1, after + 2].filter((n) => n <= 5).map((n) => ({ id: n }));
    return { json: { object: "list", data, has_more: after + 2 < 5 } };
  });
});

const ACCOUNT = `AC${"a".repeat(32)}`;

describe("credentials", () => {
  it("reads the provider's usual environment variable when none is passed", async () => {
    const client = stripe({ baseUrl: env.sim.url, env: { STRIPE_SECRET_KEY: "sk_test_fromenv" }, rateLimit: false });
    const echo = await client.get<{ headers: Record<string, string> }>("/echo");
    expect(echo.headers.authorization).toBe("Bearer sk_test_fromenv");
    const fallback = stripe({ baseUrl: env.sim.url, env: { STRIPE_API_KEY: "sk_test_second" }, rateLimit: false });
    expect((await fallback.get<{ headers: Record<string, string> }>("/echo")).headers.authorization).toBe("Bearer sk_test_second");
  });

  it("fails at construction with a ConfigError naming the variable when the credential is missing", () => {
    const missing = [
      [() => stripe({ env: {} }), "STRIPE_SECRET_KEY or STRIPE_API_KEY"],
      [() => sendgrid({ env: {} }), "SENDGRID_API_KEY"],
      [() => twilio({ env: {} }), "TWILIO_ACCOUNT_SID"],
      [() => twilio({ env: { TWILIO_ACCOUNT_SID: ACCOUNT } }), "TWILIO_AUTH_TOKEN"],
    ] as const;
    for (const [make, variable] of missing) {
      let error: unknown;
      try {
        make();
      } catch (e) {
        error = e;
      }
      expect(isConfigError(error)).toBe(true);
      expect((error as ConfigError).message).toContain(variable);
    }
  });

  it("an explicit credential wins over the environment; an empty one is refused", async () => {
    const client = stripe({ apiKey: "sk_test_explicit", baseUrl: env.sim.url, env: { STRIPE_SECRET_KEY: "sk_test_fromenv" }, rateLimit: false });
    expect((await client.get<{ headers: Record<string, string> }>("/echo")).headers.authorization).toBe("Bearer sk_test_explicit");
    expect(() => stripe({ apiKey: "" })).toThrow(ConfigError);
  });

  it("refuses a Stripe publishable key and a malformed Twilio SID", () => {
    expect(() => stripe({ apiKey: "pk_test_abc" })).toThrow(/publishable/);
    expect(() => twilio({ accountSid: "AC123", authToken: "t" })).toThrow(/accountSid/);
  });
});

describe("client options on top of the profile", () => {
  it("is a Client whose baseUrl, headers and other options can be overridden", async () => {
    const client: Client = stripe({ apiKey: "sk_test_x", baseUrl: env.sim.url, headers: { "x-extra": "1" }, rateLimit: false });
    const echo = await client.get<{ headers: Record<string, string> }>("/echo");
    expect(echo.headers["stripe-version"]).toBeDefined();
    expect(echo.headers["x-extra"]).toBe("1");
    const pinned = stripe({ apiKey: "sk_test_x", apiVersion: "2024-06-20", baseUrl: env.sim.url, rateLimit: false });
    expect((await pinned.get<{ headers: Record<string, string> }>("/echo")).headers["stripe-version"]).toBe("2024-06-20");
  });

  it("defaults to the provider's API origin", () => {
    expect(stripe({ apiKey: "sk_test_x" }).config.origin).toBe("https://api.stripe.com");
    expect(sendgrid({ apiKey: "SG.x.y" }).config.origin).toBe("https://api.sendgrid.com");
    expect(sendgrid({ apiKey: "SG.x.y", region: "eu" }).config.origin).toBe("https://api.eu.sendgrid.com");
    expect(twilio({ accountSid: ACCOUNT, authToken: "t" }).config.origin).toBe("https://api.twilio.com");
  });

  it("paginates with the provider's strategy unless another is given", async () => {
    const client = stripe({ apiKey: "sk_test_x", baseUrl: env.sim.url, rateLimit: false });
    const ids: unknown[] = [];
    for await (const item of client.paginate<{ id: number }>("/items")) ids.push(item.id);
    expect(ids).toEqual([1, 2, 3, 4, 5]);
    const extended = client.extend({ headers: { "x-tenant": "t1" } });
    const again: unknown[] = [];
    for await (const item of extended.paginate<{ id: number }>("/items")) again.push(item.id);
    expect(again).toEqual([1, 2, 3, 4, 5]);
  });

  it("providerClient builds a client from any profile", async () => {
    const client = providerClient({ name: "custom", baseUrl: env.sim.url, auth: (req, next) => next({ ...req, headers: { ...req.headers, "x-key": "k" } }) });
    expect((await client.get<{ headers: Record<string, string> }>("/echo")).headers["x-key"]).toBe("k");
    expect(client.provider.name).toBe("custom");
  });
});
