import { afterAll, beforeAll, expect, it } from "vitest";
import { useServer } from "../support/http-server.js";
import { describeRedisCluster, type LocalRedisCluster, startRedisCluster } from "../support/redis-cluster.js";
import { REDIS_URL, uniqueName } from "../support/services.js";
import { waitFor } from "../support/wait.js";
import { type FleetWorker, killAll, spawnWorker } from "./fleet.js";

const PROCESSES = 4;
const LOOPS = 4;
/** Calls before the kill, so the fleet runs at its pace when the master dies. */
const KILL_AFTER_MS = 2000;
/** Longest the cluster may take to promote the replica (failure detection at cluster-node-timeout 2 s, then an election). */
const PROMOTION_MS = 30_000;
/** How long the fleet runs on after the promotion: every process must have had a call through by then. */
const AFTER_PROMOTION_MS = 3000;
const DEADLINE_MS = 1000;
/**
 * A call ends at its deadline; this much more covers timer and scheduling
 * delays of 5 processes and 6 Redis servers sharing 2 cores with the rest of
 * the suite. Unbounded, a call waited for ioredis's retries: many seconds.
 */
const LATENESS_MS = 500;

type Done = { type: string; counts: Record<string, number>; timeline: Array<[number, number, string]>; error?: string };

describeRedisCluster("a fleet through a Redis Cluster master failover", () => {
  let local: LocalRedisCluster;
  let fleet: FleetWorker[] = [];
  const server = useServer((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}'));
  const prefix = `${uniqueName("ballast_failover")}:`;

  beforeAll(async () => {
    local = await startRedisCluster({ nodeTimeoutMs: 2000 });
    fleet = Array.from({ length: PROCESSES }, (_, i) =>
      spawnWorker({ REDIS_URL, REDIS_CLUSTER_NODES: JSON.stringify(local.nodes), PREFIX: prefix, WORKER: String(i) }),
    );
    await Promise.all(fleet.map((w) => w.next("ready")));
    // The workers took a while to start: the replicas must still be in sync (waitHealthy checks it).
    await local.waitHealthy();
  }, 120_000);
  afterAll(async () => {
    killAll(fleet);
    await local?.close();
  });

  it("keeps every call within its deadline while the master of its key dies, and resumes after the failover", { timeout: 90_000 }, async () => {
    const key = "failover";
    const slotKey = `${prefix}rl:{${key}}`;
    const master = await local.masterFor(slotKey);
    const target = server.origin;
    const results = fleet.map((w) => w.next<Done>("done"));
    for (const w of fleet) w.run({ mode: "client-rate", target, key, until: Date.now() + 60_000, limit: 100, loops: LOOPS });

    let killedAt = 0;
    /** The last time the cluster was asked and still named the dead master: the promotion came after it. */
    let stillOldAt = 0;
    let promotedAt = 0;
    try {
      await new Promise((r) => setTimeout(r, KILL_AFTER_MS));
      local.kill(master);
      killedAt = Date.now();
      stillOldAt = killedAt;
      // The cluster itself has moved the slot to the promoted replica: what ioredis has to follow.
      await waitFor(
        async () => {
          const asked = Date.now();
          const now = await local.masterFor(slotKey).catch(() => undefined);
          if (now === master) stillOldAt = asked;
          return now !== undefined && now !== master;
        },
        { timeout: PROMOTION_MS, interval: 100, what: `the cluster to promote the replica of :${master}` },
      );
      promotedAt = Date.now();
      await new Promise((r) => setTimeout(r, AFTER_PROMOTION_MS));
    } finally {
      for (const w of fleet) w.stop();
    }
    const done = await Promise.all(results);
    for (const d of done) expect(d.type, d.error).toBe("done");

    // Outcomes by phase, summed over the fleet. The promotion happened between the last time the cluster still named
    // the dead master and the time it named the new one (polled every 100 ms): calls that ended in between are
    // "around the promotion", neither during the failover nor after it.
    const phases: Record<string, Record<string, number>> = {
      "before the kill": {},
      "during the failover": {},
      "around the promotion": {},
      "after the promotion": {},
    };
    for (const { timeline } of done) {
      for (const [at, , outcome] of timeline) {
        const phase =
          at < killedAt ? "before the kill" : at < stillOldAt ? "during the failover" : at < promotedAt ? "around the promotion" : "after the promotion";
        const counts = phases[phase] as Record<string, number>;
        counts[outcome] = (counts[outcome] ?? 0) + 1;
      }
    }
    const longest = Math.max(...done.map((d) => d.counts.longestMs ?? 0));
    const recovered = Math.max(
      ...done.map((d) => (d.timeline.find(([at, , outcome]) => at >= promotedAt && outcome === "ok")?.[0] ?? Number.NaN) - promotedAt),
    );
    console.log(
      `failover: master :${master} SIGKILLed; the cluster promoted its replica ${stillOldAt - killedAt}–${promotedAt - killedAt} ms later; ` +
        `every process had a call through ${recovered} ms after that; longest call ${longest} ms (deadline ${DEADLINE_MS} ms); ` +
        `outcomes ${JSON.stringify(phases)}`,
    );

    expect(longest).toBeLessThanOrEqual(DEADLINE_MS + LATENESS_MS);
    // Every outcome is a success or a typed ballast error: the store's (refused while it cannot answer), the limiter's or the deadline's.
    for (const counts of Object.values(phases))
      for (const outcome of Object.keys(counts)) expect(["ok", "BALLAST_STORE", "BALLAST_TIMEOUT", "BALLAST_RATE_LIMIT"]).toContain(outcome);
    expect(phases["before the kill"]?.ok).toBeGreaterThan(0);
    // Fails closed: while the slot had no master no call got a slot; only calls that had one before the kill
    // (at most one per loop) ended well during the failover. Failing open would let hundreds through.
    expect(phases["during the failover"]?.ok ?? 0).toBeLessThanOrEqual(PROCESSES * LOOPS);
    // Every process got calls through again after the promotion.
    for (const d of done) expect(d.timeline.some(([at, , outcome]) => at >= promotedAt && outcome === "ok")).toBe(true);
  });
});
