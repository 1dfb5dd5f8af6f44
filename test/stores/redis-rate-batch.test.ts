/**
 * redisStore coalesces the concurrent acquires of one key: the first goes at
 * once, alone; those that arrive while it is out go together in one script
 * call that decides them in arrival order, exactly as one call each would.
 */
import { Redis } from "ioredis";
import { expect, it, onTestFinished } from "vitest";
import { isAbortError, isStoreError } from "../../src/errors.js";
import { redisStore } from "../../src/stores/redis.js";
import { MAX_BATCH } from "../../src/stores/redis-rate-batch.js";
import type { RateDecision, RateRule, Store } from "../../src/stores/types.js";
import { useRedis } from "../support/databases.js";
import { redisProxy } from "../support/redis-faults.js";
import { commandsDuring } from "../support/redis-monitor.js";
import { describeRedis, REDIS_URL } from "../support/services.js";

/**
 * Loads both acquire scripts if needed (NOSCRIPT adds an EVAL): three at once
 * are one alone (the single-acquire script) and two together (the batch one).
 */
async function loadScripts(store: Store, rules: RateRule[]): Promise<void> {
  await Promise.all(Array.from({ length: 3 }, () => store.acquireRate("warm", rules, 0)));
}

/** `n` requests at once, then one a second. */
const burst = (n: number): RateRule[] => [{ id: `burst${n}`, interval: 1000, tolerance: (n - 1) * 1000 }];

describeRedis("redisStore: concurrent acquires of one key", () => {
  const { redis, nextPrefix } = useRedis("ballast_rate_batch");

  /** The top-level commands `redis` sends while `work` runs. */
  const commandsFrom = (work: () => Promise<unknown>) => commandsDuring(redis, work, redis);

  it("sends the first at once, alone, and those that arrive while it is out in one call: 20 acquires, 2 EVALSHA", async () => {
    const store = redisStore(redis, { prefix: nextPrefix() });
    const rules = burst(1000);
    await loadScripts(store, rules);
    const commands = await commandsFrom(() => Promise.all(Array.from({ length: 20 }, () => store.acquireRate("k", rules, 0))));
    expect(commands).toEqual(["evalsha", "evalsha"]);
  });

  it("decides a batch in arrival order, as one call each would: a burst of 5 grants the first 5 of 20", async () => {
    const store = redisStore(redis, { prefix: nextPrefix() });
    const ds = await Promise.all(Array.from({ length: 20 }, () => store.acquireRate("k", burst(5), 0)));
    expect(ds.map((d) => d.granted)).toEqual([...Array(5).fill(true), ...Array(15).fill(false)]);
    expect(ds.slice(0, 5).map((d) => d.remaining)).toEqual([4, 3, 2, 1, 0]);
    // Refusals change nothing: each says when the next slot comes (one interval away, less the time since).
    for (const d of ds.slice(5)) expect(d.wait).toBeGreaterThan(900);
  });

  it("reserves a batch's slots one interval apart, each with its own horizon", async () => {
    const store = redisStore(redis, { prefix: nextPrefix() });
    const rules: RateRule[] = [{ id: "tenth", interval: 100, tolerance: 0 }];
    const horizons = [0, 1000, 0, 1000, 150, 1000];
    const ds = await Promise.all(horizons.map((h) => store.acquireRate("k", rules, h)));
    expect(ds.map((d) => d.granted)).toEqual([true, true, false, true, false, true]);
    const waits = ds.filter((d) => d.granted).map((d) => d.wait);
    for (let i = 1; i < waits.length; i++) expect((waits[i] as number) - (waits[i - 1] as number)).toBeGreaterThan(90);
  });

  it("grants exactly the limit across processes (separate connections) acquiring the same key at once", async () => {
    const prefix = nextPrefix();
    const others = Array.from({ length: 3 }, () => new Redis(REDIS_URL));
    onTestFinished(() => {
      for (const o of others) o.disconnect();
    });
    const stores = [redis, ...others].map((r) => redisStore(r, { prefix }));
    const rules = burst(25);
    const ds = (await Promise.all(stores.map((s) => Promise.all(Array.from({ length: 30 }, () => s.acquireRate("shared", rules, 0)))))).flat();
    expect(ds.filter((d) => d.granted)).toHaveLength(25);
  });

  it(`splits more than ${MAX_BATCH} waiting acquires into calls of at most ${MAX_BATCH}, sent together, still exact`, async () => {
    const store = redisStore(redis, { prefix: nextPrefix() });
    const rules = burst(100);
    await loadScripts(store, rules);
    let ds: RateDecision[] = [];
    const commands = await commandsFrom(async () => {
      ds = await Promise.all(Array.from({ length: 1 + MAX_BATCH + 10 }, () => store.acquireRate("k", rules, 0)));
    });
    expect(commands).toEqual(["evalsha", "evalsha", "evalsha"]);
    expect(ds.filter((d) => d.granted)).toHaveLength(100);
  });

  it("keeps different keys apart: each key's acquires are decided on its own state", async () => {
    const store = redisStore(redis, { prefix: nextPrefix() });
    const ds = await Promise.all(["a", "b", "a", "b", "a", "b"].map((k) => store.acquireRate(k, burst(2), 0)));
    expect(ds.map((d) => d.granted)).toEqual([true, true, true, true, false, false]);
  });

  it("drops a waiting acquire whose signal aborted before it was sent: it takes no slot", async () => {
    const store = redisStore(redis, { prefix: nextPrefix() });
    const rules = burst(3);
    const first = store.acquireRate("k", rules, 0); // out
    const aborted = new AbortController();
    const dropped = store.acquireRate("k", rules, 0, aborted.signal); // waits for the first
    const third = store.acquireRate("k", rules, 0);
    aborted.abort();
    expect((await first).remaining).toBe(2);
    const error = await Promise.resolve(dropped).catch((e: unknown) => e);
    expect(isAbortError(error)).toBe(true);
    expect(await third).toMatchObject({ granted: true, remaining: 1 });
  });

  it("fails every acquire of a batch with StoreError when Redis fails the call, and serves the key again after", async () => {
    const prefix = nextPrefix();
    const store = redisStore(redis, { prefix });
    const rules = burst(10);
    // A value of the wrong type under the key: the script's GET fails, as any Redis error would.
    await redis.hset(`${prefix}rl:{k}`, "x", "1");
    const outcomes = await Promise.allSettled(Array.from({ length: 5 }, () => store.acquireRate("k", rules, 0)));
    for (const o of outcomes) expect(o.status === "rejected" && isStoreError(o.reason)).toBe(true);
    await redis.del(`${prefix}rl:{k}`);
    expect(await store.acquireRate("k", rules, 0)).toMatchObject({ granted: true, remaining: 9 });
  });

  it("bounds a waiting acquire by the store's timeout while the call ahead of it is stalled", async () => {
    const proxy = await redisProxy();
    const held = new Redis({ host: "127.0.0.1", port: proxy.port });
    onTestFinished(async () => {
      held.disconnect();
      await proxy.close();
    });
    const prefix = nextPrefix();
    const store = redisStore(held, { prefix, timeout: "200ms" });
    const rules = burst(10);
    await store.acquireRate("k", rules, 0);
    proxy.hold();
    const outcomes = Promise.allSettled(Array.from({ length: 4 }, () => store.acquireRate("k", rules, 0)));
    for (const o of await outcomes) expect(o.status === "rejected" && isStoreError(o.reason) && o.reason.timedOut).toBe(true);
    proxy.release();
    // Calls that gave up may still have taken their slots when the server answered: never more than were asked.
    const after = await store.acquireRate("k", rules, 0);
    expect(after.granted).toBe(true);
    expect(after.remaining).toBeGreaterThanOrEqual(10 - 6);
  });
});
