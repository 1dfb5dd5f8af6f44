/**
 * Shared state behind every policy that must hold across processes. One
 * interface, two implementations: `memoryStore()` (one process, the default)
 * and `redisStore(ioredis)` from `ballast/redis` (a fleet). Every operation
 * that must be atomic is atomic in each implementation (one Lua script, one
 * round trip, in Redis). Keys are given without the store's prefix.
 *
 * The key-value and lock operations below serve OAuth, the cache and dedupe;
 * `PolicyStore` holds those of the rate limiter, breaker and semaphore.
 */
export interface Store extends PolicyStore {
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

  /** Checks the store answers (one round trip for Redis); `checkHealth()` times it. Optional for custom stores. */
  ping?(): Promise<void>;

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

// Times crossing this interface are *relative* (milliseconds from the store's
// now), never absolute: a Redis store reads the Redis server's clock, so the
// processes of a fleet agree on time even when their own clocks drift.

/**
 * One GCRA limit, normalised: a request may go when the limit's theoretical
 * arrival time (TAT) is at most `tolerance` ms ahead of now; each request
 * moves the TAT `interval` ms later. `id` names the limit inside its key.
 */
export interface RateRule {
  readonly id: string;
  /** Milliseconds between requests (`per / requests`). */
  readonly interval: number;
  /** Burst slack in ms: `(burst - 1) * interval`; 0 spaces requests evenly. */
  readonly tolerance: number;
}

/** The answer to one `acquireRate`. */
export interface RateDecision {
  /** True when a slot was taken: the request may go after `wait` ms (0 = now). */
  readonly granted: boolean;
  /** Milliseconds until the slot (granted) or until one could be granted (refused). */
  readonly wait: number;
  /** Requests the tightest limit still allows at once after this decision. */
  readonly remaining: number;
  /** Milliseconds the key stays paused by a server signal (0 when not paused). */
  readonly pausedFor: number;
}

/** A store's synchronous fast path for one set of rate rules (`PolicyStore.rateFastPath`). */
export interface RateFastPath {
  /**
   * Takes a slot for `key` when a request may go at once (no rule and no
   * pause holds it back) and returns true; otherwise changes nothing and
   * returns false, and the limiter asks `acquireRate`.
   */
  takeNow(key: string): boolean;
  /** The `remaining` that `acquireRate` would have reported for `key`'s last slot. */
  remaining(key: string): number;
}

/** A store's synchronous breaker step (`PolicyStore.breakerFastPath`): `breakerRecord` without its promise. */
export interface BreakerFastPath {
  record(key: string, config: BreakerConfig, outcome: { readonly success: boolean; readonly probe: boolean }): BreakerSnapshot;
}

/** A store's synchronous permits (`PolicyStore.permitFastPath`): `acquirePermit` and `releasePermit` without their promise. */
export interface PermitFastPath {
  /** A permit of `key` when fewer than `limit` are held, else undefined (nothing changes). */
  takeNow(key: string, limit: number, leaseMs: number): Permit | undefined;
  release(permit: Permit): void;
}

/** Breaker settings the store needs to run the state machine atomically. */
export interface BreakerConfig {
  /** Count-based window: the last N outcomes; time-based: outcomes of the last `windowMs`. */
  readonly window: { readonly kind: "count"; readonly size: number } | { readonly kind: "time"; readonly ms: number };
  /** Open when failures / total ≥ this (0..1] with at least `minimumRequests` in the window; 0 disables. */
  readonly failureRate: number;
  readonly minimumRequests: number;
  /** Open after this many failures in a row; 0 disables. */
  readonly consecutiveFailures: number;
  /** How long the breaker stays open before letting probes through. */
  readonly openMs: number;
  /** Probes allowed at once in half-open. */
  readonly halfOpenProbes: number;
  /** Successful probes needed to close. */
  readonly successesToClose: number;
}

export type BreakerStateName = "closed" | "open" | "half-open";

/** A breaker's shared state as the store sees it. */
export interface BreakerSnapshot {
  readonly state: BreakerStateName;
  /** Open: ms until probes are allowed (0 when due). Half-open with every probe slot taken: ms until slots of probes that never reported are freed. Otherwise 0. */
  readonly retryIn: number;
  /** Outcomes and failures in the current window (closed state). */
  readonly total: number;
  readonly failures: number;
  /** Failures in a row. */
  readonly consecutive: number;
}

/** A permit of a counting semaphore, held until released or until its lease runs out. */
export interface Permit {
  readonly key: string;
  readonly id: string;
}

/**
 * The part of the store the rate limiter, breaker and concurrency policies use.
 * Every method is one atomic step (one Lua script over Redis).
 */
export interface PolicyStore {
  /**
   * GCRA over every rule of `key` at once, plus the key's pause. When the
   * request could go within `maxReserveMs`, the slot is taken (for every rule)
   * and `granted` is true; otherwise nothing changes. The memory store answers
   * synchronously so the in-process limiter pays for no promise. `signal`
   * (optional): the caller's; a store that queues acquires before sending
   * them (`redisStore` coalesces a key's concurrent acquires) drops one whose
   * signal aborted before it was sent, so it takes no slot.
   */
  acquireRate(key: string, rules: ReadonlyArray<RateRule>, maxReserveMs: number, signal?: AbortSignal): RateDecision | Promise<RateDecision>;
  /**
   * Optional, for a store whose state lives in this process (the memory
   * store): a synchronous fast path for `rules`, built once per limiter.
   * Without it every acquire goes through `acquireRate`.
   */
  rateFastPath?(rules: ReadonlyArray<RateRule>): RateFastPath;
  /**
   * Optional, for a store whose state lives in this process (the memory
   * store): `breakerRecord` answered synchronously, so a closed breaker costs
   * no promise and no timer per request.
   */
  breakerFastPath?(): BreakerFastPath;
  /** Optional, as `breakerFastPath`: permits taken and given back synchronously while nobody waits for one. */
  permitFastPath?(): PermitFastPath;
  /** Pauses `key` for `ms` from now (only ever extends a pause). */
  pauseRate(key: string, ms: number): Promise<void>;

  /** The breaker's current state; moves open → half-open when its time is due. */
  breakerState(key: string, config: BreakerConfig): Promise<BreakerSnapshot>;
  /**
   * Records one outcome and applies the transitions it causes. `probe`: the
   * request was let through by `breakerProbe` in half-open; outcomes of other
   * requests count only while closed.
   */
  breakerRecord(key: string, config: BreakerConfig, outcome: { readonly success: boolean; readonly probe: boolean }): Promise<BreakerSnapshot>;
  /** In half-open (or open and due), takes one of the probe slots; `allowed` false when none is free. */
  breakerProbe(key: string, config: BreakerConfig): Promise<BreakerSnapshot & { readonly allowed: boolean }>;
  /**
   * Gives a probe slot back without recording an outcome, for a probe that
   * never reached the server (refused locally, aborted). Optional: without it
   * such a slot frees itself after `openMs`.
   */
  breakerRelease?(key: string, config: BreakerConfig): Promise<BreakerSnapshot>;

  /** Takes a permit when fewer than `limit` unexpired ones are held; its lease lasts `leaseMs`. */
  acquirePermit(key: string, limit: number, leaseMs: number): Promise<Permit | undefined>;
  /** Extends a held permit's lease; false when it had expired (and may have been taken). */
  renewPermit(permit: Permit, leaseMs: number): Promise<boolean>;
  releasePermit(permit: Permit): Promise<void>;
}
