// Cost-based throttling as Shopify reports it in `extensions.cost`.
import { describe, expect, it } from "vitest";
import { createClient } from "../../src/client/create-client.js";
import { graphql } from "../../src/graphql/index.js";
import { createFakeClock } from "../../src/testing/index.js";
import { useSimulator } from "../support/simulator.js";

const env = useSimulator();

const cost = (available: number, requested = 100) => ({
  requestedQueryCost: requested,
  actualQueryCost: requested,
  throttleStatus: { maximumAvailable: 1000, currentlyAvailable: available, restoreRate: 50 },
});

describe("graphql cost throttling", () => {
  it("a THROTTLED answer is resent once the bucket has refilled enough for the query's cost", async () => {
    const clock = createFakeClock(Date.now());
    let calls = 0;
    env.sim.route("POST", "/admin/api/graphql.json", () =>
      calls++ === 0
        ? { json: { errors: [{ message: "Throttled", extensions: { code: "THROTTLED" } }], extensions: { cost: { ...cost(10), actualQueryCost: null } } } }
        : { json: { data: { shop: { name: "s" } }, extensions: { cost: cost(900) } } },
    );
    const client = createClient({ baseUrl: env.sim.url, retry: false });
    try {
      const shopify = graphql(client, { path: "/admin/api/graphql.json", clock });
      const result = shopify.query("{ shop { name } }");
      // Needs 100 points, has 10, restores 50/s: waits 1.8 s before resending.
      await expect.poll(() => clock.pending()).toBe(1);
      expect(clock.nextWakeup()).toBe(clock.now() + 1800);
      expect(calls).toBe(1);
      await clock.advance(1800);
      expect(await result).toEqual({ shop: { name: "s" } });
      expect(calls).toBe(2);
      expect(shopify.stats().cost).toMatchObject({ maximum: 1000, restoreRate: 50, throttled: 1 });
    } finally {
      await client.close();
    }
  });

  it("waits before sending an operation whose known cost exceeds the points left, instead of being throttled", async () => {
    const clock = createFakeClock(Date.now());
    let available = 150;
    env.sim.route("POST", "/gql2", () => {
      available -= 100;
      return { json: { data: { ok: true }, extensions: { cost: cost(available) } } };
    });
    const client = createClient({ baseUrl: env.sim.url, retry: false });
    try {
      const gql = graphql(client, { path: "/gql2", clock });
      await gql.query("query Big { ok }", undefined, { operationName: "Big" }); // learns: costs 100, 50 left
      const second = gql.query("query Big { ok }", undefined, { operationName: "Big" });
      await expect.poll(() => clock.pending()).toBe(1);
      expect(clock.nextWakeup()).toBe(clock.now() + 1000); // (100 - 50) / 50 per s
      available += 50;
      await clock.advance(1000);
      await second;
      expect(gql.stats().cost?.waits).toBe(1);
    } finally {
      await client.close();
    }
  });

  it("a wait longer than maxWait fails at once with RateLimitError", async () => {
    const clock = createFakeClock(Date.now());
    env.sim.route("POST", "/gql3", { json: { data: { ok: true }, extensions: { cost: cost(0, 500) } } });
    const client = createClient({ baseUrl: env.sim.url, retry: false });
    try {
      const gql = graphql(client, { path: "/gql3", clock, cost: { maxWait: "5s" } });
      await gql.query("query Q { ok }", undefined, { operationName: "Q" });
      await expect(gql.query("query Q { ok }", undefined, { operationName: "Q" })).rejects.toMatchObject({ code: "BALLAST_RATE_LIMIT" });
    } finally {
      await client.close();
    }
  });
});
