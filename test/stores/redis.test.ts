import { setTimeout as sleep } from "node:timers/promises";
import type { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { isConfigError } from "../../src/errors.js";
import { redisStore } from "../../src/stores/redis.js";
import { useRedis } from "../support/databases.js";
import { commandsDuring } from "../support/redis-monitor.js";
import { describeRedis } from "../support/services.js";
import { storeContract } from "./contract.js";

describeRedis("redisStore", () => {
  const { redis, prefix } = useRedis("ballast_store");

  storeContract(async () => ({ store: redisStore(redis, { prefix }), elapse: (ms) => sleep(ms) }));

  it("keeps every key under its prefix", async () => {
    const store = redisStore(redis, { prefix });
    await store.set("visible", "1");
    await store.acquireRate("rl", [{ id: "a", interval: 1000, tolerance: 0 }], 0);
    const keys = await redis.keys(`${prefix}*`);
    expect(keys).toEqual(expect.arrayContaining([`${prefix}kv:{visible}`, `${prefix}rl:{rl}`]));
    expect(await redis.exists("kv:{visible}")).toBe(0);
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
    expect(await commandsDuring(redis, () => store.acquireRate("count", rules, 0), redis)).toEqual(["evalsha"]);
  });

  describe("rate-limit state", () => {
    const a = { id: "10/1000/1", interval: 100, tolerance: 0 };
    const b = { id: "20/1000/1", interval: 50, tolerance: 0 };

    it("is one string: the pause first, then each rule's TAT in the order of the rules", async () => {
      const store = redisStore(redis, { prefix });
      await store.acquireRate("layout", [a, b], 0);
      expect(await redis.get(`${prefix}rl:{layout}`)).toMatch(/^p=0;10\/1000\/1=\d{16};20\/1000\/1=\d{16}$/);
      await store.pauseRate("layout", 5000);
      expect(await redis.get(`${prefix}rl:{layout}`)).toMatch(/^p=\d{16};10\/1000\/1=\d{16};20\/1000\/1=\d{16}$/);
      const d = await store.acquireRate("layout", [a, b], 0);
      expect(d.granted).toBe(false);
      expect(d.pausedFor).toBeGreaterThan(4000);
    });

    it("keeps the TATs of another limiter's rules on the same key", async () => {
      const store = redisStore(redis, { prefix });
      expect((await store.acquireRate("shared", [a], 0)).granted).toBe(true);
      expect((await store.acquireRate("shared", [b], 0)).granted).toBe(true);
      expect((await store.acquireRate("shared", [b], 0)).granted).toBe(false);
      expect((await store.acquireRate("shared", [a], 0)).granted).toBe(false);
      expect(await redis.get(`${prefix}rl:{shared}`)).toMatch(/10\/1000\/1=\d+/);
    });

    it("reads a state written in another order or without a pause entry", async () => {
      const store = redisStore(redis, { prefix });
      const [sec, usec] = await redis.time();
      const now = Number(sec) * 1_000_000 + Number(usec);
      await redis.set(`${prefix}rl:{legacy}`, `20/1000/1=${now + 2_000_000};10/1000/1=${now - 5}`, "PX", 10_000);
      const d = await store.acquireRate("legacy", [a, b], 0);
      expect(d.granted).toBe(false);
      expect(d.wait).toBeGreaterThan(1900);
      expect(d.wait).toBeLessThanOrEqual(2000);
    });

    it("reports the tightest rule's remaining count", async () => {
      const store = redisStore(redis, { prefix });
      const loose = { id: "10/1000/5", interval: 100, tolerance: 400 };
      const tight = { id: "100/1000/3", interval: 10, tolerance: 20 };
      const first = await store.acquireRate("remaining", [loose, tight], 0);
      expect(first).toEqual({ granted: true, wait: 0, remaining: 2, pausedFor: 0 });
    });

    it("refuses a rule id it could not store", () => {
      const store = redisStore(redis, { prefix });
      try {
        void store.acquireRate("bad", [{ id: "a;b=1", interval: 10, tolerance: 0 }], 0);
        expect.unreachable();
      } catch (e) {
        expect(isConfigError(e) && e.message).toMatch(/rateLimit\.limits/);
      }
    });
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
