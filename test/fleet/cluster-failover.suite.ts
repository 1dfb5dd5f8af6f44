/**
 * A fleet of client processes rate limited through a Redis Cluster while the
 * master that holds their rate-limit key is SIGKILLed: no call outlives its
 * deadline, every failure is a typed ballast error, and the fleet goes on
 * through the promoted replica. The counts are printed.
 *
 * NOT IN THE SUITE (the name does not match test/**\/*.test.ts): it passed
 * twice on the development machine, then in a clean CI run no process got a
 * call through in the 11 s after the kill (185 StoreErrors, no success), so
 * either the failover or ioredis's slot refresh did not complete. Find out
 * which before putting it back.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeRedisCluster, type LocalRedisCluster, startRedisCluster } from "../support/redis-cluster.js";
import { REDIS_URL, uniqueName } from "../support/services.js";
import { type FleetWorker, killAll, spawnWorker } from "./fleet.js";

const PROCESSES = 4;
const RUN_MS = 14_000;
const KILL_AFTER_MS = 3000;
const DEADLINE_MS = 1000;
/**
 * A call ends at its deadline; this much more covers timer and scheduling
 * delays of 5 processes sharing 2 cores with the rest of the suite. Without
 * bounded store calls a call waited for ioredis's reconnects: many seconds.
 */
const LATENESS_MS = 1500;

describeRedisCluster("a fleet through a Redis Cluster master failover", () => {
  let local: LocalRedisCluster;
  let fleet: FleetWorker[] = [];
  const server = http.createServer((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}'));
  const prefix = `${uniqueName("ballast_failover")}:`;

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    local = await startRedisCluster({ nodeTimeoutMs: 2000 });
    fleet = Array.from({ length: PROCESSES }, (_, i) =>
      spawnWorker({ REDIS_URL, REDIS_CLUSTER_NODES: JSON.stringify(local.nodes), PREFIX: prefix, WORKER: String(i) }),
    );
    await Promise.all(fleet.map((w) => w.next("ready")));
  }, 120_000);
  afterAll(async () => {
    killAll(fleet);
    await local?.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it("keeps every call within its deadline while the master of its key dies, and resumes after the failover", { timeout: 90_000 }, async () => {
    const key = "failover";
    const master = await local.masterFor(`${prefix}rl:{${key}}`);
    const target = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const start = Date.now();
    const until = start + RUN_MS;
    for (const w of fleet) w.run({ mode: "client-rate", target, key, until, limit: 100, loops: 4 });
    await new Promise((r) => setTimeout(r, KILL_AFTER_MS));
    local.kill(master);
    const killedAt = Date.now();
    const done = await Promise.all(fleet.map((w) => w.next<{ type: string; counts: Record<string, number>; error?: string }>("done")));
    for (const d of done) expect(d.type, d.error).toBe("done");

    const total: Record<string, number> = {};
    for (const { counts } of done) {
      for (const [k, v] of Object.entries(counts))
        if (k.startsWith("longest")) total[k] = Math.max(total[k] ?? 0, v);
        else if (k !== "lastOkAt") total[k] = (total[k] ?? 0) + v;
    }
    const longest = Math.max(...done.map((d) => d.counts.longestMs ?? 0));
    console.log(`failover: master :${master} killed ${killedAt - start} ms in; outcomes ${JSON.stringify(total)}; longest call ${longest} ms`);

    expect(longest).toBeLessThanOrEqual(DEADLINE_MS + LATENESS_MS);
    // Every outcome is a success or a typed ballast error: the store's (refused while it cannot answer) or the deadline's.
    for (const outcome of Object.keys(total).filter((k) => !k.startsWith("longest")))
      expect(["ok", "BALLAST_STORE", "BALLAST_TIMEOUT", "BALLAST_RATE_LIMIT"]).toContain(outcome);
    expect(total.ok).toBeGreaterThan(0);
    // Every process succeeded again after the failover.
    for (const d of done) expect(d.counts.lastOkAt).toBeGreaterThan(killedAt + 2000);
  });
});
