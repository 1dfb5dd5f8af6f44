import { createHash, randomUUID } from "node:crypto";
import type { Cluster, Redis } from "ioredis";
import { ConfigError } from "../errors.js";
import type { Duration } from "../util/duration.js";
import { durationOption } from "../util/options.js";
import { coalescedRateAcquire } from "./redis-rate-batch.js";
import { rateAcquireScripts } from "./redis-rate-script.js";
import { BREAKER, LOCK_ACQUIRE, LOCK_EXTEND, LOCK_RELEASE, PERMIT_ACQUIRE, PERMIT_RENEW, RATE_PAUSE } from "./redis-scripts.js";
import { withinStoreTimeout } from "./store-timeout.js";
import type { BreakerConfig, BreakerSnapshot, BreakerStateName, Lock, Permit, RateDecision, RateRule, Store } from "./types.js";

/** Scripts count time in microseconds. */
const US = 1000;
/** A reservation horizon standing for "no limit" (a year), small enough for exact µs arithmetic in Lua. */
const MAX_RESERVE_MS = 365 * 86_400_000;

export type { Store } from "./types.js";

export interface RedisStoreOptions {
  /**
   * Prepended to every key (default `"ballast:"`). Each key is
   * `<prefix><kind>:{<key>}`: the braces are a Redis Cluster hash tag, so
   * every key a script touches for one logical key lives in one slot.
   */
  prefix?: string;
  /**
   * Longest one operation may take before it fails with a `StoreError`
   * (`timedOut: true`), default `"1s"`. ioredis queues commands while it
   * reconnects, by default for many seconds; this bounds what a request waits.
   */
  timeout?: Duration;
}

/** What `redisStore` takes: one ioredis client (`new Redis(url)`) or a cluster client (`new Redis.Cluster(nodes)`). */
export type RedisConnection = Redis | Cluster;

type Arg = string | number;
/**
 * Runs a Lua script by EVALSHA (one round trip); on NOSCRIPT (a new or flushed
 * server, or a cluster node that never ran it, such as a replica just
 * promoted) sends it once by EVAL, which runs it and caches it on the node
 * that owns the keys. `read` turns the reply into the result in the same step
 * (one promise per call, not two). The client passed in is not modified.
 */
function script<T = unknown>(
  redis: RedisConnection,
  source: string,
  read: (reply: unknown) => T = (r) => r as T,
): (numKeys: number, ...args: Arg[]) => Promise<T> {
  const sha = createHash("sha1").update(source).digest("hex");
  return (numKeys, ...args) =>
    redis.evalsha(sha, numKeys, ...args).then(read, async (err: unknown) => {
      if (!(err instanceof Error) || !err.message.startsWith("NOSCRIPT")) throw err;
      return read(await redis.eval(source, numKeys, ...args));
    });
}

/**
 * `{key}`: Redis Cluster hashes only the text between the first `{` and the
 * next `}`, so every kind of one key (a lock's value and its fence, taken in
 * one script) lands in one slot. An empty tag would hash the whole name, so a
 * key that would make one (empty, or starting with `}`) gets a `~` first.
 */
function hashTag(key: string): string {
  return key === "" || key.charCodeAt(0) === 125 ? `{~${key}}` : `{${key}}`;
}

/**
 * A prefix may hold a complete hash tag (`"{app}:"`, every key in one slot)
 * but not a lone brace, which would make Redis hash a different part of each
 * key and split a script's keys across slots.
 */
function checkPrefix(prefix: unknown): string {
  if (typeof prefix !== "string") throw new ConfigError("redisStore.prefix", "must be a string");
  const open = prefix.indexOf("{");
  if ((open >= 0 && prefix.indexOf("}", open + 1) < 0) || (open < 0 && prefix.includes("}"))) {
    throw new ConfigError("redisStore.prefix", "may hold a complete hash tag such as {app} but not a lone brace");
  }
  return prefix;
}

/** The acquire script answers a bare number (the remaining count) in the common case: granted now, not paused. */
function toDecision(reply: unknown): RateDecision {
  if (typeof reply === "number") return { granted: true, wait: 0, remaining: reply, pausedFor: 0 };
  const r = reply as number[];
  return { granted: r[0] === 1, wait: (r[1] as number) / US, remaining: r[2] as number, pausedFor: (r[3] as number) / US };
}

/** One answer per acquire of the batch, in order. */
function toDecisions(reply: unknown): RateDecision[] {
  return (reply as unknown[]).map(toDecision);
}

const STATES: ReadonlyArray<BreakerStateName> = ["closed", "open", "half-open"];

function breakerArgs(op: string, config: BreakerConfig, success = false, probe = false): Arg[] {
  const w = config.window;
  return [
    op,
    success ? 1 : 0,
    probe ? 1 : 0,
    w.kind === "count" ? "c" : "t",
    w.kind === "count" ? w.size : Math.ceil(w.ms * US),
    config.failureRate,
    config.minimumRequests,
    config.consecutiveFailures,
    Math.ceil(config.openMs * US),
    config.halfOpenProbes,
    config.successesToClose,
  ];
}

function toSnapshot(reply: unknown): BreakerSnapshot & { allowed: boolean } {
  const [code, retryIn, total, failures, consecutive, allowed] = reply as number[];
  return {
    state: STATES[code as number] ?? "closed",
    retryIn: (retryIn as number) / US,
    total: total as number,
    failures: failures as number,
    consecutive: consecutive as number,
    allowed: allowed === 1,
  };
}

/**
 * A `Store` over Redis (ioredis), shared by every process that uses the same
 * server and prefix. Each atomic operation is one Lua script sent by EVALSHA,
 * timed by the Redis server's clock. The connection belongs to the caller:
 * `close()` does not quit it.
 */
export function redisStore(redis: RedisConnection, options: RedisStoreOptions = {}): Store {
  if (redis === null || typeof redis !== "object" || typeof (redis as Partial<Redis>).evalsha !== "function") {
    throw new ConfigError("redisStore.redis", "must be an ioredis client (new Redis(url)) or cluster client (new Redis.Cluster(nodes))");
  }
  const prefix = checkPrefix(options.prefix ?? "ballast:");
  const at = (kind: string) => (key: string) => `${prefix}${kind}:${hashTag(key)}`;
  const kv = at("kv");
  const fenceKey = at("fence");
  const rl = at("rl");
  const cb = at("cb");
  const sem = at("sem");
  const timeoutMs = durationOption(options.timeout ?? "1s", "redisStore.timeout");
  const bounded = <T>(operation: string, work: Promise<T>, onLate?: (value: T) => void) => withinStoreTimeout(operation, timeoutMs, work, onLate);

  const ratePause = script(redis, RATE_PAUSE);
  const breaker = script(redis, BREAKER);
  const permitAcquire = script(redis, PERMIT_ACQUIRE);
  const permitRenew = script(redis, PERMIT_RENEW);
  const lockAcquire = script(redis, LOCK_ACQUIRE);
  const lockExtend = script(redis, LOCK_EXTEND);
  const lockRelease = script(redis, LOCK_RELEASE);

  // One compiled acquire script per rules array (a limiter passes the same array every time), and its
  // coalescing: the acquires of a key that arrive while its call is out go together in the next one.
  type Acquire = (key: string, reserve: number, signal?: AbortSignal) => Promise<RateDecision>;
  const rateScripts = new WeakMap<ReadonlyArray<RateRule>, Acquire>();
  function rateAcquire(rules: ReadonlyArray<RateRule>): Acquire {
    let acquire = rateScripts.get(rules);
    if (acquire === undefined) {
      const source = rateAcquireScripts(rules);
      const one = script(redis, source.one, toDecision);
      const many = script(redis, source.many, toDecisions);
      acquire = coalescedRateAcquire({ one: (key, reserve) => one(1, rl(key), reserve), many: (key, reserves) => many(1, rl(key), ...reserves) }, timeoutMs);
      rateScripts.set(rules, acquire);
    }
    return acquire;
  }

  function lockHandle(key: string, token: string, fence: number): Lock {
    return {
      key,
      fence,
      async extend(ttlMs) {
        return (await bounded("lock.extend", lockExtend(1, kv(key), token, Math.ceil(ttlMs)))) === 1;
      },
      async release() {
        return (await bounded("lock.release", lockRelease(1, kv(key), token))) === 1;
      },
    };
  }

  const breakerOp = (op: string, key: string, config: BreakerConfig, success?: boolean, probe?: boolean) =>
    bounded(`breaker.${op}`, breaker(1, cb(key), ...breakerArgs(op, config, success, probe))).then(toSnapshot);
  const withoutAllowed = ({ allowed: _, ...snap }: BreakerSnapshot & { allowed: boolean }): BreakerSnapshot => snap;

  return {
    kind: "redis",

    async get(key) {
      return (await bounded("get", redis.get(kv(key)))) ?? undefined;
    },
    async set(key, value, ttlMs) {
      if (ttlMs === undefined) await bounded("set", redis.set(kv(key), value));
      else await bounded("set", redis.set(kv(key), value, "PX", Math.max(1, Math.ceil(ttlMs))));
    },
    async setIfAbsent(key, value, ttlMs) {
      return (await bounded("setIfAbsent", redis.set(kv(key), value, "PX", Math.max(1, Math.ceil(ttlMs)), "NX"))) === "OK";
    },
    async delete(key) {
      await bounded("delete", redis.del(kv(key)));
    },
    async acquireLock(key, ttlMs) {
      const token = randomUUID();
      const acquired = lockAcquire(2, kv(key), fenceKey(key), token, Math.max(1, Math.ceil(ttlMs))) as Promise<number>;
      // A grant that lands after the caller gave up is released at once, not left to its TTL.
      const fence = await bounded("acquireLock", acquired, (f) => {
        if (f !== 0) lockRelease(1, kv(key), token).catch(() => {});
      });
      return fence === 0 ? undefined : lockHandle(key, token, fence);
    },

    acquireRate(key: string, rules: ReadonlyArray<RateRule>, maxReserveMs: number, signal?: AbortSignal): Promise<RateDecision> {
      const reserve = maxReserveMs < MAX_RESERVE_MS ? Math.floor(maxReserveMs * US) : MAX_RESERVE_MS * US;
      return rateAcquire(rules)(key, reserve, signal);
    },
    async pauseRate(key, ms) {
      await bounded("pauseRate", ratePause(1, rl(key), Math.ceil(ms * US)));
    },

    async breakerState(key, config) {
      return withoutAllowed(await breakerOp("state", key, config));
    },
    async breakerRecord(key, config, outcome) {
      return withoutAllowed(await breakerOp("record", key, config, outcome.success, outcome.probe));
    },
    breakerProbe(key, config) {
      return breakerOp("probe", key, config);
    },
    async breakerRelease(key, config) {
      return withoutAllowed(await breakerOp("release", key, config));
    },

    async acquirePermit(key, limit, leaseMs): Promise<Permit | undefined> {
      const id = randomUUID();
      // A permit granted after the caller gave up goes back at once instead of holding a slot for its lease.
      const ok = await bounded("acquirePermit", permitAcquire(1, sem(key), limit, Math.ceil(leaseMs * US), id), (granted) => {
        if (granted === 1) redis.zrem(sem(key), id).catch(() => {});
      });
      return ok === 1 ? { key, id } : undefined;
    },
    async renewPermit(permit, leaseMs) {
      return (await bounded("renewPermit", permitRenew(1, sem(permit.key), Math.ceil(leaseMs * US), permit.id))) === 1;
    },
    async releasePermit(permit) {
      await bounded("releasePermit", redis.zrem(sem(permit.key), permit.id));
    },

    async ping() {
      await bounded("ping", redis.ping());
    },

    async close() {},
  };
}
