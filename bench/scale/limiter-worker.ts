/**
 * One process of the limiter scaling curve (bench/suites/scale.ts): on
 * `{ until, key }` it runs 16 concurrent acquire loops against redisStore
 * (single Redis at REDIS_URL, or the cluster in REDIS_CLUSTER_NODES) with a
 * limit nobody reaches, and answers the number of acquires.
 */
import { Redis } from "ioredis";
import { redisStore } from "../../src/stores/redis.js";
import type { RateRule } from "../../src/stores/types.js";

const nodes = process.env.REDIS_CLUSTER_NODES;
const redis = nodes
  ? new Redis.Cluster(JSON.parse(nodes) as Array<{ host: string; port: number }>)
  : new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
const store = redisStore(redis, { prefix: process.env.PREFIX ?? "ballast:bench-scale:" });
const NEVER_WAIT: RateRule[] = [{ id: "fast", interval: 0.000001, tolerance: 1000 }];
const LOOPS = 16;

process.on("message", async (m: { until: number; key: string }) => {
  let acquires = 0;
  await Promise.all(
    Array.from({ length: LOOPS }, async () => {
      while (Date.now() < m.until) {
        await store.acquireRate(m.key, NEVER_WAIT, 0);
        acquires++;
      }
    }),
  );
  process.send?.({ acquires });
});
process.on("disconnect", () => redis.disconnect());
await store.acquireRate("warm", NEVER_WAIT, 0);
process.send?.({ ready: true });
