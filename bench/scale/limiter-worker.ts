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
// A loaded machine can hold a reply past the default 1 s: a slow acquire is measured, not an error.
const store = redisStore(redis, { prefix: process.env.PREFIX ?? "ballast:bench-scale:", timeout: "10s" });
const NEVER_WAIT: RateRule[] = [{ id: "fast", interval: 0.000001, tolerance: 1000 }];
const LOOPS = 16;

process.on("message", async (m: { until: number; key: string }) => {
  let acquires = 0;
  let errors = 0;
  await Promise.all(
    Array.from({ length: LOOPS }, async () => {
      while (Date.now() < m.until) {
        try {
          await store.acquireRate(m.key, NEVER_WAIT, 0);
          acquires++;
        } catch {
          errors++;
        }
      }
    }),
  );
  process.send?.({ acquires, errors });
});
process.on("disconnect", () => redis.disconnect());
await store.acquireRate("warm", NEVER_WAIT, 0);
process.send?.({ ready: true });
