import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { batch, isBatchError } from "../../src/batch/index.js";
import { createClient } from "../../src/client/create-client.js";
import { isHttpError } from "../../src/errors.js";
import { createFakeClock } from "../../src/testing/index.js";
import { useSimulator } from "../support/simulator.js";

interface User {
  id: string;
  name: string;
}

const env = useSimulator({ keep: "routes" });
let client: ReturnType<typeof createClient>;
beforeAll(() => {
  // An endpoint that takes many ids (`?ids=1,2,3`), returns found users in its own order, and skips unknown ids.
  env.sim.route("GET", "/users", (req) => {
    const ids = (req.query.ids ?? "").split(",").filter(Boolean);
    if (ids.includes("boom")) return { status: 400, json: { error: "bad id" } };
    return {
      json: {
        data: ids
          .filter((id) => Number(id) <= 50)
          .reverse()
          .map((id) => ({ id, name: `user ${id}` })),
      },
    };
  });
  client = createClient({ baseUrl: env.sim.url, retry: false });
});
afterAll(() => client.close());

const usersLoader = (opts: { maxBatchSize?: number; window?: number; clock?: ReturnType<typeof createFakeClock> } = {}) =>
  batch<string, User>({
    load: async (ids) => ((await client.get("/users", { query: { ids: ids.join(",") } })) as { data: User[] }).data,
    key: (u) => u.id,
    ...opts,
  });

describe("batch()", () => {
  it("turns loads made in the same turn into one call and gives each caller its own value", async () => {
    const users = usersLoader();
    const before = env.sim.requests.length;
    const got = await Promise.all(["1", "2", "3", "2"].map((id) => users.load(id)));
    expect(got.map((u) => u?.name)).toEqual(["user 1", "user 2", "user 3", "user 2"]);
    const calls = env.sim.requests.slice(before);
    expect(calls.map((r) => r.query.ids)).toEqual(["1,2,3"]); // duplicate key sent once
    expect(users.stats()).toEqual({ batches: 1, requested: 4, sent: 3 });
  });

  it("splits at maxBatchSize", async () => {
    const users = usersLoader({ maxBatchSize: 2 });
    const before = env.sim.requests.length;
    await users.loadMany(["1", "2", "3", "4", "5"]);
    // Full batches go at once, concurrently: arrival order is not fixed.
    expect(
      env.sim.requests
        .slice(before)
        .map((r) => r.query.ids)
        .sort(),
    ).toEqual(["1,2", "3,4", "5"]);
  });

  it("collects keys for the window, timed by the injected clock", async () => {
    const clock = createFakeClock(Date.now());
    const users = usersLoader({ window: 20, clock });
    const before = env.sim.requests.length;
    const a = users.load("7");
    await clock.advance(10);
    const b = users.load("8");
    expect(env.sim.requests.length).toBe(before);
    await clock.advance(10);
    expect((await Promise.all([a, b])).map((u) => u?.id)).toEqual(["7", "8"]);
    expect(env.sim.requests.slice(before).map((r) => r.query.ids)).toEqual(["7,8"]);
  });

  it("a key the API did not return resolves to undefined; the others still resolve", async () => {
    const users = usersLoader();
    expect(await users.loadMany(["9", "999"])).toEqual([{ id: "9", name: "user 9" }, undefined]);
  });

  it("a failed call rejects every key of that batch, and only that batch", async () => {
    const users = usersLoader({ maxBatchSize: 2 });
    const results = await Promise.allSettled(["1", "boom", "3"].map((id) => users.load(id)));
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected", "fulfilled"]);
    expect(isHttpError((results[0] as PromiseRejectedResult).reason)).toBe(true);
  });

  it("per-key errors: an Error in the result fails that key only", async () => {
    const loader = batch<number, string>({ load: async (keys) => keys.map((k) => (k % 2 ? `odd ${k}` : new Error(`even ${k}`))) });
    const results = await Promise.allSettled([1, 2, 3].map((k) => loader.load(k)));
    expect(results.map((r) => (r.status === "fulfilled" ? r.value : (r.reason as Error).message))).toEqual(["odd 1", "even 2", "odd 3"]);
  });

  it("accepts a Map result, and rejects an array of the wrong length with BatchError", async () => {
    const fromMap = batch<string, number>({ load: async (keys) => new Map(keys.map((k) => [k, k.length])) });
    expect(await fromMap.loadMany(["a", "bcd"])).toEqual([1, 3]);
    const broken = batch<string, number>({ load: async () => [1] });
    const err = await broken.loadMany(["a", "b"]).catch((e) => e);
    expect(isBatchError(err)).toBe(true);
  });

  it("checks its options", () => {
    expect(() => batch({ load: undefined as never })).toThrow(expect.objectContaining({ option: "batch.load" }));
    expect(() => batch({ load: async () => [], maxBatchSize: 0 })).toThrow(expect.objectContaining({ option: "batch.maxBatchSize" }));
    expect(() => batch({ load: async () => [], window: "x" as never })).toThrow(expect.objectContaining({ option: "batch.window" }));
  });
});
