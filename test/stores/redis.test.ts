import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { afterAll, beforeAll, expect, it } from "vitest";
import { isConfigError } from "../../src/errors.js";
import { redisStore } from "../../src/stores/redis.js";
import { describeRedis, REDIS_URL, uniqueName } from "../support/services.js";
import { storeContract } from "./contract.js";

describeRedis("redisStore", () => {
  let redis: Redis;
  const prefix = `${uniqueName("ballast_store")}:`;

  beforeAll(() => {
    redis = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  storeContract(async () => ({ store: redisStore(redis, { prefix }), elapse: (ms) => sleep(ms) }));

  it("keeps every key under its prefix", async () => {
    const store = redisStore(redis, { prefix });
    await store.set("visible", "1");
    await store.acquireRate("rl", [{ id: "a", interval: 1000, tolerance: 0 }], 0);
    const keys = await redis.keys(`${prefix}*`);
    expect(keys).toEqual(expect.arrayContaining([`${prefix}kv:visible`, `${prefix}rl:rl`]));
    expect(await redis.exists("kv:visible")).toBe(0);
  });

  it("loads its scripts again after SCRIPT FLUSH", async () => {
    const store = redisStore(redis, { prefix });
    await store.acquireRate("flush", [{ id: "a", interval: 1, tolerance: 0 }], 0);
    await redis.script("FLUSH");
    expect((await store.acquireRate("flush", [{ id: "a", interval: 1, tolerance: 1000 }], 0)).granted).toBe(true);
  });

  it("acquires with exactly one EVALSHA and no other command", async () => {
    const store = redisStore(redis, { prefix });
    const rules = [
      { id: "a", interval: 1, tolerance: 10_000 },
      { id: "b", interval: 0.1, tolerance: 10_000 },
    ];
    await store.acquireRate("count", rules, 0); // loads the script if needed
    const monitor = await redis.monitor();
    const commands: string[] = [];
    // commands a script runs are reported with source "lua": they are not round trips
    monitor.on("monitor", (_time: string, args: string[], source: string) => {
      if (source !== "lua") commands.push(String(args[0]).toLowerCase());
    });
    await sleep(20);
    await store.acquireRate("count", rules, 0);
    await sleep(50);
    monitor.disconnect();
    expect(commands.filter((c) => c !== "monitor")).toEqual(["evalsha"]);
  });

  it("rejects something that is not an ioredis client", () => {
    try {
      redisStore({} as Redis);
      expect.unreachable();
    } catch (e) {
      expect(isConfigError(e)).toBe(true);
    }
  });
});
