/**
 * `redisStore` and `redisTokenStore` over a real Redis Cluster (3 masters, 3
 * replicas on loopback): the store contract unchanged, one slot per script,
 * one round trip per acquire, exact counts across MOVED/ASK redirections.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { afterAll, beforeAll, expect, it, onTestFinished } from "vitest";
import { redisCiphertextBackend, redisTokenStore } from "../../src/oauth/token-stores/redis.js";
import { redisStore } from "../../src/stores/redis.js";
import type { RateDecision } from "../../src/stores/types.js";
import { describeRedisCluster, type LocalRedisCluster, startRedisCluster } from "../support/redis-cluster.js";
import { commandsDuring } from "../support/redis-monitor.js";
import { uniqueName } from "../support/services.js";
import { waitFor } from "../support/wait.js";
import { storeContract } from "./contract.js";

describeRedisCluster("redisStore on Redis Cluster", () => {
  let local: LocalRedisCluster;
  let cluster: InstanceType<typeof Redis.Cluster>;
  const prefix = `${uniqueName("ballast_cluster")}:`;

  beforeAll(async () => {
    local = await startRedisCluster();
    cluster = new Redis.Cluster(local.nodes);
    await waitFor(async () => (await cluster.ping()) === "PONG", { timeout: 10_000, what: "the cluster client to connect" });
  }, 60_000);
  afterAll(async () => {
    cluster?.disconnect();
    await local?.close();
  });

  storeContract(async () => ({ store: redisStore(cluster, { prefix }), elapse: (ms) => sleep(ms) }));

  /** The server that serves `key` (a direct connection, for MONITOR and inspection). */
  async function serverOf(key: string): Promise<Redis> {
    const port = await local.masterFor(key);
    return new Redis({ host: "127.0.0.1", port });
  }

  it("puts every key of one logical key in one slot, across the masters for different keys", async () => {
    const store = redisStore(cluster, { prefix });
    const lock = await store.acquireLock("slot-check", 1000);
    expect(lock).toBeDefined();
    await store.acquireRate("slot-check", [{ id: "a", interval: 10, tolerance: 0 }], 0);
    const names = [`${prefix}kv:{slot-check}`, `${prefix}fence:{slot-check}`, `${prefix}rl:{slot-check}`];
    const slots = await Promise.all(names.map((n) => cluster.call("CLUSTER", "KEYSLOT", n)));
    expect(new Set(slots).size).toBe(1);
    const owner = await serverOf(names[0]!);
    try {
      expect(await owner.exists(...names)).toBe(3);
    } finally {
      owner.disconnect();
    }
    // Many keys spread over more than one master.
    const ports = new Set(await Promise.all(Array.from({ length: 24 }, (_, i) => local.masterFor(`${prefix}rl:{k${i}}`))));
    expect(ports.size).toBeGreaterThan(1);
  });

  it("acquires with exactly one EVALSHA on the key's master and no other command", async () => {
    const store = redisStore(cluster, { prefix });
    const rules = [
      { id: "a", interval: 1, tolerance: 10_000 },
      { id: "b", interval: 0.1, tolerance: 10_000 },
    ];
    await store.acquireRate("one-trip", rules, 0); // loads the script on that master if needed
    const owner = await serverOf(`${prefix}rl:{one-trip}`);
    onTestFinished(() => owner.disconnect());
    const commands = await commandsDuring(owner, () => store.acquireRate("one-trip", rules, 0));
    expect(commands.filter((c) => c !== "cluster" && c !== "info")).toEqual(["evalsha"]);
  });

  it("sends the concurrent acquires of one key as one EVALSHA on its master, and decides keys on different masters apart", async () => {
    const store = redisStore(cluster, { prefix });
    const rules = [{ id: "five", interval: 1000, tolerance: 4000 }];
    // Loads both acquire scripts on that master if needed: one alone (single-acquire script), two together (batch script).
    await Promise.all(Array.from({ length: 3 }, () => store.acquireRate("coalesced", rules, 0)));
    const owner = await serverOf(`${prefix}rl:{coalesced}`);
    onTestFinished(() => owner.disconnect());
    let ds: RateDecision[] = [];
    // The first goes alone; the 19 that arrive while it is out go together in one call.
    const commands = await commandsDuring(owner, async () => {
      ds = await Promise.all(Array.from({ length: 20 }, () => store.acquireRate("coalesced", rules, 0)));
    });
    expect(commands.filter((c) => c !== "cluster" && c !== "info")).toEqual(["evalsha", "evalsha"]);
    expect(ds.filter((d) => d.granted)).toHaveLength(2); // three of the burst of five went before MONITOR
    const keys = Array.from({ length: 12 }, (_, i) => `spread-${i}`);
    const spread = await Promise.all(
      keys.flatMap((k) => Array.from({ length: 8 }, () => Promise.resolve(store.acquireRate(k, rules, 0)).then((d) => ({ k, d })))),
    );
    for (const k of keys) expect(spread.filter((x) => x.k === k && x.d.granted)).toHaveLength(5);
  });

  it("keeps permit counts exact while the key's slot migrates (ASK), then moves (MOVED)", async () => {
    const store = redisStore(cluster, { prefix });
    const key = "migrating";
    const name = `${prefix}sem:{${key}}`;
    expect(await store.acquirePermit(key, 3, 30_000)).toBeDefined();
    expect(await store.acquirePermit(key, 3, 30_000)).toBeDefined();

    const slot = Number(await cluster.call("CLUSTER", "KEYSLOT", name));
    const sourcePort = await local.masterFor(name);
    const targetPort = (await local.masters()).find((p) => p !== sourcePort)!;
    const source = new Redis({ host: "127.0.0.1", port: sourcePort });
    const target = new Redis({ host: "127.0.0.1", port: targetPort });
    try {
      const sourceId = String(await source.call("CLUSTER", "MYID"));
      const targetId = String(await target.call("CLUSTER", "MYID"));
      await target.call("CLUSTER", "SETSLOT", slot, "IMPORTING", sourceId);
      await source.call("CLUSTER", "SETSLOT", slot, "MIGRATING", targetId);
      await source.call("MIGRATE", "127.0.0.1", targetPort, "", 0, 5000, "KEYS", name);
      // The key now lives on the target while the slot is still the source's: the source answers ASK.
      expect(await store.acquirePermit(key, 3, 30_000)).toBeDefined();
      expect(await store.acquirePermit(key, 3, 30_000)).toBeUndefined();
      for (const node of local.nodes) {
        const r = new Redis({ host: node.host, port: node.port });
        try {
          if (String(await r.call("CLUSTER", "MYID")) === sourceId || String(await r.call("CLUSTER", "MYID")) === targetId) {
            await r.call("CLUSTER", "SETSLOT", slot, "NODE", targetId);
          }
        } finally {
          r.disconnect();
        }
      }
      // The slot has moved: the client learns it from MOVED. The count is still exactly 3.
      expect(await store.acquirePermit(key, 3, 30_000)).toBeUndefined();
      expect(await target.zcard(name)).toBe(3);
      await expect(source.exists(name)).rejects.toThrow(/MOVED/);
    } finally {
      source.disconnect();
      target.disconnect();
    }
  });

  it("stores tokens on a cluster, lists them from every master, and re-encrypts them all after a key rotation", async () => {
    const k1 = Buffer.alloc(32, 7).toString("base64url");
    const k2 = Buffer.alloc(32, 9).toString("base64url");
    const tokenPrefix = `${prefix}tok:`;
    const record = (id: string) => ({ tokens: { accessToken: `at-${id}`, tokenType: "bearer" }, grant: "manual" as const, updatedAt: 1 });
    const before = redisTokenStore(cluster, { encryption: { keys: { k1 }, current: "k1" }, prefix: tokenPrefix });
    const ids = Array.from({ length: 12 }, (_, i) => `conn-${i}`);
    for (const id of ids) expect(await before.put(id, record(id))).toBe(true);
    expect((await before.get("conn-3"))?.value.tokens.accessToken).toBe("at-conn-3");
    const masters = new Set(await Promise.all(ids.map((id) => local.masterFor(`${tokenPrefix}${id}`))));
    expect(masters.size).toBeGreaterThan(1);
    expect([...(await redisCiphertextBackend(cluster, tokenPrefix).ids())].sort()).toEqual([...ids].sort());

    const after = redisTokenStore(cluster, { encryption: { keys: { k1, k2 }, current: "k2" }, prefix: tokenPrefix });
    expect((await after.reencrypt()).reencrypted).toBe(ids.length);
    const onlyK2 = redisTokenStore(cluster, { encryption: { keys: { k2 }, current: "k2" }, prefix: tokenPrefix });
    for (const id of ids) expect((await onlyK2.get(id))?.value.tokens.accessToken).toBe(`at-${id}`);
  });
});
