/**
 * Shared state behind every policy that must hold across processes. One
 * interface, two implementations: `memoryStore()` (one process, the default)
 * and `redisStore(ioredis)` from `ballast/redis` (a fleet). Every operation
 * that must be atomic is atomic in each implementation (one Lua script, one
 * round trip, in Redis). Keys are given without the store's prefix.
 *
 * The rate-limit, breaker and semaphore operations are added by the
 * rate-limiting work; the generic ones below are what OAuth, cache and dedupe use.
 */
export interface Store {
  readonly kind: "memory" | "redis" | (string & {});

  /** The value at `key`, or undefined when absent or expired. */
  get(key: string): Promise<string | undefined>;
  /** Sets `key`; with `ttlMs` it expires after that long. */
  set(key: string, value: string, ttlMs?: number): Promise<void>;
  /** Sets `key` only if absent; true when it was set. */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  delete(key: string): Promise<void>;

  /**
   * Takes an exclusive lock for `ttlMs`, or returns undefined when someone else
   * holds it. `fence` increases with every grant of this key, so a holder that
   * lost its lock (paused past the TTL) can be told apart from the new one.
   */
  acquireLock(key: string, ttlMs: number): Promise<Lock | undefined>;

  /** Releases connections and timers the store owns (not a client passed in). */
  close(): Promise<void>;
}

export interface Lock {
  readonly key: string;
  /** Monotonic per key: a later grant always has a larger fence. */
  readonly fence: number;
  /** Extends the lock if still held; false when it was lost. */
  extend(ttlMs: number): Promise<boolean>;
  /** Releases the lock if still held; false when it was lost. */
  release(): Promise<boolean>;
}
