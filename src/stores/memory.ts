import { randomUUID } from "node:crypto";
import { type Clock, systemClock } from "../clock.js";
import { type BreakerData, newBreakerData, recordOutcome, releaseProbe, settle, snapshot, takeProbe } from "./breaker-machine.js";
import { alignRateState, compileGrantNow, decideRate, newRateState, type RateState, rateRemaining, rateStateIdle } from "./gcra.js";
import { memoryPermits } from "./memory-permits.js";
import type { BreakerConfig, BreakerFastPath, BreakerSnapshot, Lock, Permit, RateDecision, RateFastPath, RateRule, Store } from "./types.js";

export interface MemoryStoreOptions {
  /** The clock TTLs, GCRA and breakers run on (default: the system clock). Pass the client's clock in tests. */
  clock?: Clock;
}

/** Expired entries are swept once per this many writes (no timers: the store owns none). */
const SWEEP_EVERY = 10_000;

/**
 * The in-process `Store` (the default): plain maps, every operation atomic
 * because it runs to completion on the event loop. State is lost with the
 * process and not shared with other processes — use `redisStore` for a fleet.
 */
export function memoryStore(options: MemoryStoreOptions = {}): Store {
  const clock = options.clock ?? systemClock;
  const values = new Map<string, { value: string; expiresAt: number }>();
  const fences = new Map<string, number>();
  const rates = new Map<string, RateState>();
  const breakers = new Map<string, BreakerData>();
  const permits = memoryPermits(clock);
  let writes = 0;
  // The last rate key used, to skip a map lookup when one key is hot (forgotten when swept).
  let lastRateKey: string | undefined;
  let lastRate: RateState | undefined;

  function sweep(now: number): void {
    if (++writes < SWEEP_EVERY) return;
    writes = 0;
    for (const [k, v] of values) if (v.expiresAt <= now) values.delete(k);
    for (const [k, s] of rates) if (rateStateIdle(s, now)) rates.delete(k);
    lastRateKey = undefined;
    lastRate = undefined;
    permits.sweep(now);
  }

  function live(key: string, now: number): { value: string; expiresAt: number } | undefined {
    const entry = values.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt > now) return entry;
    values.delete(key);
    return undefined;
  }

  function breaker(key: string): BreakerData {
    let d = breakers.get(key);
    if (d === undefined) {
      d = newBreakerData();
      breakers.set(key, d);
    }
    return d;
  }

  function breakerState(key: string, config: BreakerConfig): BreakerSnapshot {
    const now = clock.now();
    const d = breaker(key);
    settle(d, config, now);
    return snapshot(d, config, now);
  }

  const breakerNow: BreakerFastPath = {
    record(key, config, outcome) {
      const now = clock.now();
      const d = breaker(key);
      recordOutcome(d, config, now, outcome.success, outcome.probe);
      return snapshot(d, config, now);
    },
  };

  function lockHandle(key: string, token: string, fence: number): Lock {
    return {
      key,
      fence,
      async extend(ttlMs) {
        const now = clock.now();
        const entry = live(key, now);
        if (entry?.value !== token) return false;
        entry.expiresAt = now + ttlMs;
        return true;
      },
      async release() {
        const entry = live(key, clock.now());
        if (entry?.value !== token) return false;
        values.delete(key);
        return true;
      },
    };
  }

  /** The rate state of `key`, created (and the store swept) on first use, its TATs lined up with `rules`. */
  function rateState(key: string, rules: ReadonlyArray<RateRule>, now: number): RateState {
    let state = key === lastRateKey ? lastRate : rates.get(key);
    if (state === undefined) {
      state = newRateState(rules);
      rates.set(key, state);
      sweep(now);
    } else if (state.rules !== rules) alignRateState(state, rules);
    lastRateKey = key;
    lastRate = state;
    return state;
  }

  return {
    kind: "memory",

    async get(key) {
      return live(key, clock.now())?.value;
    },
    async set(key, value, ttlMs) {
      const now = clock.now();
      sweep(now);
      values.set(key, { value, expiresAt: ttlMs === undefined ? Number.POSITIVE_INFINITY : now + ttlMs });
    },
    async setIfAbsent(key, value, ttlMs) {
      const now = clock.now();
      if (live(key, now) !== undefined) return false;
      sweep(now);
      values.set(key, { value, expiresAt: now + ttlMs });
      return true;
    },
    async delete(key) {
      values.delete(key);
    },
    async acquireLock(key, ttlMs) {
      const now = clock.now();
      if (live(key, now) !== undefined) return undefined;
      const token = randomUUID();
      const fence = (fences.get(key) ?? 0) + 1;
      fences.set(key, fence);
      values.set(key, { value: token, expiresAt: now + ttlMs });
      return lockHandle(key, token, fence);
    },

    acquireRate(key: string, rules: ReadonlyArray<RateRule>, maxReserveMs: number): RateDecision {
      const now = clock.now();
      return decideRate(rateState(key, rules, now), now, maxReserveMs);
    },
    rateFastPath(rules: ReadonlyArray<RateRule>): RateFastPath {
      const grantNow = compileGrantNow(rules);
      const idle: RateState = { rules, tats: rules.map(() => 0), pauseUntil: 0, grantedAt: 0 };
      return {
        takeNow(key) {
          const now = clock.now();
          return grantNow(rateState(key, rules, now), now);
        },
        remaining(key) {
          // A key swept since its last slot was idle: as remaining as a new one.
          return rateRemaining(rates.get(key) ?? idle);
        },
      };
    },
    async pauseRate(key, ms) {
      const now = clock.now();
      const state = rates.get(key) ?? newRateState([]);
      rates.set(key, state);
      if (now + ms > state.pauseUntil) state.pauseUntil = now + ms;
    },

    async breakerState(key: string, config: BreakerConfig): Promise<BreakerSnapshot> {
      return breakerState(key, config);
    },
    async breakerRecord(key, config, outcome) {
      return breakerNow.record(key, config, outcome);
    },
    breakerFastPath: () => breakerNow,
    async breakerProbe(key, config) {
      const now = clock.now();
      const d = breaker(key);
      const allowed = takeProbe(d, config, now);
      return { ...snapshot(d, config, now), allowed };
    },
    async breakerRelease(key, config) {
      const now = clock.now();
      const d = breaker(key);
      releaseProbe(d, config, now);
      return snapshot(d, config, now);
    },

    async acquirePermit(key, limit, leaseMs): Promise<Permit | undefined> {
      return permits.fast.takeNow(key, limit, leaseMs);
    },
    async renewPermit(permit, leaseMs) {
      return permits.renew(permit, leaseMs);
    },
    async releasePermit(permit) {
      permits.fast.release(permit);
    },
    permitFastPath: () => permits.fast,

    async ping() {},

    async close() {},
  };
}
