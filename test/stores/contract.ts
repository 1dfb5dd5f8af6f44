/**
 * The behaviour every `Store` must have, run unchanged against each
 * implementation (memory.test.ts, redis.test.ts). `elapse(ms)` lets time pass:
 * a fake clock for the memory store, a real (short) wait for Redis, whose
 * scripts read the server's clock.
 */
import { afterEach, beforeEach, expect, it } from "vitest";
import type { BreakerConfig, RateRule, Store } from "../../src/stores/types.js";

export interface ContractHarness {
  store: Store;
  /** Lets `ms` pass for the store. */
  elapse(ms: number): Promise<void>;
  cleanup?(): Promise<void>;
}

const rules = (requests: number, perMs: number, burst = 1): RateRule[] => [
  { id: `${requests}/${perMs}`, interval: perMs / requests, tolerance: (burst - 1) * (perMs / requests) },
];

const breakerConfig = (over: Partial<BreakerConfig> = {}): BreakerConfig => ({
  window: { kind: "count", size: 10 },
  failureRate: 0.5,
  minimumRequests: 4,
  consecutiveFailures: 0,
  openMs: 300,
  halfOpenProbes: 1,
  successesToClose: 1,
  ...over,
});

/** The store's `breakerRelease` (optional in the interface; every built-in store has it). */
function breakerRelease(store: Store): NonNullable<Store["breakerRelease"]> {
  if (store.breakerRelease === undefined) throw new Error(`the ${store.kind} store cannot release a probe slot`);
  return store.breakerRelease.bind(store);
}

let n = 0;
const fresh = (what: string) => `${what}-${++n}-${Math.random().toString(36).slice(2, 8)}`;

export function storeContract(make: () => Promise<ContractHarness>): void {
  let h: ContractHarness;
  beforeEach(async () => {
    h = await make();
  });
  afterEach(async () => {
    await h.cleanup?.();
  });

  // --- generic key/value ---
  it("get returns what set stored, undefined for a missing key, and nothing after delete", async () => {
    const k = fresh("kv");
    expect(await h.store.get(k)).toBeUndefined();
    await h.store.set(k, "v1");
    expect(await h.store.get(k)).toBe("v1");
    await h.store.set(k, "v2");
    expect(await h.store.get(k)).toBe("v2");
    await h.store.delete(k);
    expect(await h.store.get(k)).toBeUndefined();
  });

  it("a value set with a TTL disappears after it", async () => {
    const k = fresh("ttl");
    await h.store.set(k, "v", 250);
    expect(await h.store.get(k)).toBe("v");
    await h.elapse(350);
    expect(await h.store.get(k)).toBeUndefined();
  });

  it("setIfAbsent sets only once until the value expires", async () => {
    const k = fresh("nx");
    expect(await h.store.setIfAbsent(k, "first", 250)).toBe(true);
    expect(await h.store.setIfAbsent(k, "second", 250)).toBe(false);
    expect(await h.store.get(k)).toBe("first");
    await h.elapse(350);
    expect(await h.store.setIfAbsent(k, "third", 250)).toBe(true);
    expect(await h.store.get(k)).toBe("third");
  });

  it("setIfAbsent lets exactly one of many concurrent callers win", async () => {
    const k = fresh("race");
    const wins = await Promise.all(Array.from({ length: 20 }, (_, i) => h.store.setIfAbsent(k, String(i), 1000)));
    expect(wins.filter(Boolean)).toHaveLength(1);
  });

  // --- locks with fencing tokens ---
  it("a lock is exclusive until released, and each grant has a larger fence", async () => {
    const k = fresh("lock");
    const a = await h.store.acquireLock(k, 1000);
    expect(a).toBeDefined();
    expect(await h.store.acquireLock(k, 1000)).toBeUndefined();
    expect(await a?.release()).toBe(true);
    const b = await h.store.acquireLock(k, 1000);
    expect(b?.fence).toBeGreaterThan(a?.fence ?? Number.POSITIVE_INFINITY);
    expect(await a?.release()).toBe(false);
    expect(await h.store.acquireLock(k, 1000)).toBeUndefined();
    await b?.release();
  });

  it("an expired lock goes to the next caller, and the old holder can neither extend nor release it", async () => {
    const k = fresh("lock-exp");
    const a = await h.store.acquireLock(k, 100);
    await h.elapse(200);
    const b = await h.store.acquireLock(k, 1000);
    expect(b).toBeDefined();
    expect(b!.fence).toBeGreaterThan(a!.fence);
    expect(await a!.extend(1000)).toBe(false);
    expect(await a!.release()).toBe(false);
    expect(await h.store.acquireLock(k, 1000)).toBeUndefined();
    expect(await b!.release()).toBe(true);
  });

  it("extend keeps a lock past its first TTL", async () => {
    const k = fresh("lock-ext");
    const a = await h.store.acquireLock(k, 250);
    await h.elapse(100);
    expect(await a!.extend(1000)).toBe(true);
    await h.elapse(250);
    expect(await h.store.acquireLock(k, 1000)).toBeUndefined();
    expect(await a!.release()).toBe(true);
  });

  it("concurrent lock attempts grant exactly one", async () => {
    const k = fresh("lock-race");
    const locks = await Promise.all(Array.from({ length: 20 }, () => h.store.acquireLock(k, 1000)));
    expect(locks.filter((l) => l !== undefined)).toHaveLength(1);
  });

  // --- GCRA rate limiting ---
  it("without burst, the first request goes now and the next one is reserved one interval later", async () => {
    const k = fresh("rl");
    const r = rules(10, 1000); // one every 100 ms
    const first = await h.store.acquireRate(k, r, 0);
    expect(first).toMatchObject({ granted: true, wait: 0, remaining: 0 });
    const refused = await h.store.acquireRate(k, r, 0);
    expect(refused.granted).toBe(false);
    expect(refused.wait).toBeGreaterThan(50);
    expect(refused.wait).toBeLessThanOrEqual(100);
    const reserved = await h.store.acquireRate(k, r, 1000);
    expect(reserved.granted).toBe(true);
    const next = await h.store.acquireRate(k, r, 1000);
    // reservations queue up: each one interval after the previous
    expect(next.wait - reserved.wait).toBeGreaterThan(90);
    expect(next.wait - reserved.wait).toBeLessThanOrEqual(100);
  });

  it("burst lets that many go at once, then spaces the rest", async () => {
    const k = fresh("burst");
    const r = rules(10, 1000, 5);
    const decisions = [];
    for (let i = 0; i < 6; i++) decisions.push(await h.store.acquireRate(k, r, 0));
    expect(decisions.map((d) => d.granted)).toEqual([true, true, true, true, true, false]);
    expect(decisions.slice(0, 5).map((d) => d.remaining)).toEqual([4, 3, 2, 1, 0]);
  });

  it("several limits apply at once: the tightest decides", async () => {
    const k = fresh("multi");
    const r: RateRule[] = [...rules(100, 1000, 100), ...rules(3, 60_000, 3)];
    const granted = [];
    for (let i = 0; i < 5; i++) granted.push((await h.store.acquireRate(k, r, 0)).granted);
    expect(granted).toEqual([true, true, true, false, false]);
    const refused = await h.store.acquireRate(k, r, 0);
    expect(refused.wait).toBeGreaterThan(15_000);
  });

  it("concurrent reservations never share a slot", async () => {
    const k = fresh("rl-race");
    const r = rules(10, 1000); // 100 ms apart
    // Each decision's slot, on our clock: the store decided at some moment between sending and the answer, so
    // the slot lies in [sent + wait, answered + wait]. Calls decided apart (a store that batches what arrives
    // while a call is out decides the rest a round trip later) have waits measured from different moments.
    const slots = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const sent = performance.now();
        const d = await h.store.acquireRate(k, r, 10_000);
        return { earliest: sent + d.wait, latest: performance.now() + d.wait };
      }),
    );
    slots.sort((a, b) => a.earliest + a.latest - (b.earliest + b.latest));
    // Slots 100 ms apart: the next one's latest bound is at least 100 ms past this one's earliest (1 ms for
    // rounding). Two sharing a slot would be apart by one round trip at most, which fails it.
    for (let i = 1; i < slots.length; i++) expect(slots[i]!.latest - slots[i - 1]!.earliest).toBeGreaterThanOrEqual(99);
  });

  it("a pause holds the key until it ends and is never shortened", async () => {
    const k = fresh("pause");
    const r = rules(1000, 1000, 10);
    await h.store.pauseRate(k, 300);
    await h.store.pauseRate(k, 10);
    const d = await h.store.acquireRate(k, r, 0);
    expect(d.granted).toBe(false);
    expect(d.pausedFor).toBeGreaterThan(100);
    expect(d.wait).toBeGreaterThan(100);
    await h.elapse(400);
    expect(await h.store.acquireRate(k, r, 0)).toMatchObject({ granted: true, pausedFor: 0 });
  });

  it("capacity comes back with time", async () => {
    const k = fresh("refill");
    const r = rules(20, 1000, 2); // 50 ms apart, burst 2
    expect((await h.store.acquireRate(k, r, 0)).granted).toBe(true);
    expect((await h.store.acquireRate(k, r, 0)).granted).toBe(true);
    expect((await h.store.acquireRate(k, r, 0)).granted).toBe(false);
    await h.elapse(120);
    expect((await h.store.acquireRate(k, r, 0)).granted).toBe(true);
  });

  // --- breaker ---
  it("breaker opens on the failure rate once the minimum of requests is reached", async () => {
    const k = fresh("cb");
    const c = breakerConfig();
    expect((await h.store.breakerRecord(k, c, { success: false, probe: false })).state).toBe("closed");
    expect((await h.store.breakerRecord(k, c, { success: false, probe: false })).state).toBe("closed");
    expect((await h.store.breakerRecord(k, c, { success: true, probe: false })).state).toBe("closed");
    const s = await h.store.breakerRecord(k, c, { success: false, probe: false });
    expect(s.state).toBe("open");
    expect(s.retryIn).toBeGreaterThan(150);
    expect((await h.store.breakerState(k, c)).state).toBe("open");
  });

  it("breaker opens after N consecutive failures, and a success resets the run", async () => {
    const k = fresh("cb-consec");
    const c = breakerConfig({ failureRate: 0, consecutiveFailures: 3 });
    await h.store.breakerRecord(k, c, { success: false, probe: false });
    await h.store.breakerRecord(k, c, { success: false, probe: false });
    expect((await h.store.breakerRecord(k, c, { success: true, probe: false })).consecutive).toBe(0);
    await h.store.breakerRecord(k, c, { success: false, probe: false });
    await h.store.breakerRecord(k, c, { success: false, probe: false });
    expect((await h.store.breakerRecord(k, c, { success: false, probe: false })).state).toBe("open");
  });

  it("a count window forgets outcomes older than its size", async () => {
    const k = fresh("cb-count");
    const c = breakerConfig({ window: { kind: "count", size: 4 }, failureRate: 0.75, minimumRequests: 4 });
    for (const ok of [false, false, true, true, true, true]) await h.store.breakerRecord(k, c, { success: ok, probe: false });
    const s = await h.store.breakerState(k, c);
    expect(s).toMatchObject({ state: "closed", total: 4, failures: 0 });
  });

  it("a time window forgets outcomes older than its span", async () => {
    const k = fresh("cb-time");
    const c = breakerConfig({ window: { kind: "time", ms: 300 }, failureRate: 0.5, minimumRequests: 3 });
    await h.store.breakerRecord(k, c, { success: false, probe: false });
    await h.store.breakerRecord(k, c, { success: false, probe: false });
    expect((await h.store.breakerState(k, c)).total).toBe(2);
    await h.elapse(400);
    expect((await h.store.breakerState(k, c)).total).toBe(0);
    const s = await h.store.breakerRecord(k, c, { success: false, probe: false });
    expect(s).toMatchObject({ state: "closed", total: 1 });
  });

  it("open → half-open after openMs; probes are bounded; a successful probe closes", async () => {
    const k = fresh("cb-half");
    const c = breakerConfig({ failureRate: 0, consecutiveFailures: 1, halfOpenProbes: 2 });
    await h.store.breakerRecord(k, c, { success: false, probe: false });
    expect((await h.store.breakerProbe(k, c)).allowed).toBe(false);
    await h.elapse(400);
    expect((await h.store.breakerState(k, c)).state).toBe("half-open");
    expect((await h.store.breakerProbe(k, c)).allowed).toBe(true);
    expect((await h.store.breakerProbe(k, c)).allowed).toBe(true);
    expect((await h.store.breakerProbe(k, c)).allowed).toBe(false);
    // a late outcome of a request sent before the trip does not count
    expect((await h.store.breakerRecord(k, c, { success: true, probe: false })).state).toBe("half-open");
    expect((await h.store.breakerRecord(k, c, { success: true, probe: true })).state).toBe("closed");
  });

  it("a failed probe opens the breaker again for another openMs", async () => {
    const k = fresh("cb-reopen");
    const c = breakerConfig({ failureRate: 0, consecutiveFailures: 1 });
    await h.store.breakerRecord(k, c, { success: false, probe: false });
    await h.elapse(400);
    expect((await h.store.breakerProbe(k, c)).allowed).toBe(true);
    const s = await h.store.breakerRecord(k, c, { success: false, probe: true });
    expect(s.state).toBe("open");
    expect(s.retryIn).toBeGreaterThan(150);
  });

  it("outcomes recorded while open are ignored", async () => {
    const k = fresh("cb-ignored");
    const c = breakerConfig({ failureRate: 0, consecutiveFailures: 1 });
    await h.store.breakerRecord(k, c, { success: false, probe: false });
    expect((await h.store.breakerRecord(k, c, { success: true, probe: false })).state).toBe("open");
  });

  it("a released probe slot goes to the next probe, with no outcome recorded; there is nothing to release twice", async () => {
    const k = fresh("cb-release");
    const c = breakerConfig({ failureRate: 0, consecutiveFailures: 1 });
    const release = breakerRelease(h.store);
    await h.store.breakerRecord(k, c, { success: false, probe: false });
    await h.elapse(400);
    expect((await h.store.breakerProbe(k, c)).allowed).toBe(true);
    expect((await release(k, c)).state).toBe("half-open");
    expect((await release(k, c)).state).toBe("half-open");
    expect((await h.store.breakerProbe(k, c)).allowed).toBe(true);
    expect((await h.store.breakerProbe(k, c)).allowed).toBe(false);
  });

  it("releasing while closed changes nothing", async () => {
    const k = fresh("cb-release-closed");
    const c = breakerConfig();
    await h.store.breakerRecord(k, c, { success: false, probe: false });
    expect(await breakerRelease(h.store)(k, c)).toMatchObject({ state: "closed", total: 1, failures: 1 });
  });

  it("half-open with every probe slot taken, retryIn is when the slots of probes that never report are freed", async () => {
    const k = fresh("cb-retry-in");
    const c = breakerConfig({ failureRate: 0, consecutiveFailures: 1 });
    await h.store.breakerRecord(k, c, { success: false, probe: false });
    await h.elapse(400);
    expect(await h.store.breakerState(k, c)).toMatchObject({ state: "half-open", retryIn: 0 }); // a slot is free
    expect((await h.store.breakerProbe(k, c)).allowed).toBe(true);
    const refused = await h.store.breakerProbe(k, c);
    expect(refused).toMatchObject({ state: "half-open", allowed: false });
    expect(refused.retryIn).toBeGreaterThan(0);
    expect(refused.retryIn).toBeLessThanOrEqual(c.openMs);
    await h.elapse(refused.retryIn + 100);
    expect((await h.store.breakerProbe(k, c)).allowed).toBe(true);
  });

  // --- semaphore ---
  it("permits are bounded, come back on release, and come back when a lease runs out", async () => {
    const k = fresh("sem");
    const a = await h.store.acquirePermit(k, 2, 300);
    const b = await h.store.acquirePermit(k, 2, 1000);
    expect(a && b).toBeTruthy();
    expect(await h.store.acquirePermit(k, 2, 1000)).toBeUndefined();
    await h.store.releasePermit(b!);
    const c = await h.store.acquirePermit(k, 2, 1000);
    expect(c).toBeDefined();
    expect(await h.store.acquirePermit(k, 2, 1000)).toBeUndefined();
    await h.elapse(400); // a's lease ran out
    expect(await h.store.renewPermit(a!, 1000)).toBe(false);
    expect(await h.store.acquirePermit(k, 2, 1000)).toBeDefined();
  });

  it("renewing a permit keeps it past its first lease", async () => {
    const k = fresh("sem-renew");
    const a = await h.store.acquirePermit(k, 1, 250);
    await h.elapse(100);
    expect(await h.store.renewPermit(a!, 1000)).toBe(true);
    await h.elapse(250);
    expect(await h.store.acquirePermit(k, 1, 1000)).toBeUndefined();
  });

  it("a permit is data: a copy of it (spread, JSON) keeps its id, renews it and gives it back", async () => {
    const k = fresh("sem-copy");
    const a = await h.store.acquirePermit(k, 1, 1000);
    expect(typeof a?.id).toBe("string");
    const copy = JSON.parse(JSON.stringify({ ...a })) as NonNullable<typeof a>;
    expect(copy).toMatchObject({ key: a?.key, id: a?.id });
    expect(await h.store.renewPermit(copy, 1000)).toBe(true);
    await h.store.releasePermit(copy);
    expect(await h.store.acquirePermit(k, 1, 1000)).toBeDefined();
  });

  it("concurrent permit requests never exceed the limit", async () => {
    const k = fresh("sem-race");
    const got = await Promise.all(Array.from({ length: 30 }, () => h.store.acquirePermit(k, 5, 1000)));
    expect(got.filter((p) => p !== undefined)).toHaveLength(5);
  });
}
