/**
 * The rate limiter's waiting side: a request's wait ends by the time it
 * started with, however often it goes back to the queue; a slot reached late
 * is used only as late as the limit can take; processes contending for one
 * key use every slot, share them fairly, and do not ask the store once per
 * process per slot.
 */
import { describe, expect, it } from "vitest";
import type { Clock } from "../../../src/clock.js";
import { isRateLimitError } from "../../../src/errors.js";
import { createLimiter } from "../../../src/middleware/rate-limit/limiter.js";
import { resolveRateLimitOptions } from "../../../src/middleware/rate-limit/options.js";
import { memoryStore } from "../../../src/stores/memory.js";
import type { Store } from "../../../src/stores/types.js";
import { seededRandom } from "../../../src/testing/chaos.js";
import { createFakeClock, type FakeClock } from "../../../src/testing/fake-clock.js";
import type { Duration } from "../../../src/util/duration.js";

/** How a waiting acquire ended and when (ms after `t0`); `at` stays undefined while it waits. */
function settlement(clock: FakeClock, t0: number, waiting: Promise<void> | undefined): { at?: number; error?: unknown } {
  const outcome: { at?: number; error?: unknown } = {};
  void waiting?.then(
    () => {
      outcome.at = clock.now() - t0;
    },
    (error: unknown) => {
      outcome.at = clock.now() - t0;
      outcome.error = error;
    },
  );
  return outcome;
}

describe("createLimiter: a waiter's time", () => {
  it("a request a pause sends back to the queue keeps the deadline it started with (not a fresh maxWait)", async () => {
    const clock = createFakeClock();
    const t0 = clock.now();
    const { rules } = resolveRateLimitOptions({ limits: [{ requests: 10, per: "1s" }] });
    const limiter = createLimiter(memoryStore({ clock }), rules, clock);
    expect(limiter.acquire("k", { maxWait: Number.POSITIVE_INFINITY })).toBeUndefined();

    // Its slot is 100 ms in; it may wait 300 ms, so it must be sent or refused by t0 + 300.
    const outcome = settlement(clock, t0, limiter.acquire("k", { maxWait: 300 }));
    // The queue has reserved the slot at 100 ms; a pause until 350 ms comes before it: the request goes back to the queue.
    await clock.advance(60);
    await limiter.pause("k", 290);
    await clock.advance(1000);

    expect(outcome.at).toBeDefined();
    expect(outcome.at).toBeLessThanOrEqual(300);
    // The key is paused past its deadline: refused at once, saying when to come back.
    expect(isRateLimitError(outcome.error)).toBe(true);
  });
});

describe("createLimiter: a pause that ends just after a reserved slot", () => {
  it("holds the request to the pause's end only within its deadline; past it, the request is refused by then", async () => {
    const clock = createFakeClock();
    const t0 = clock.now();
    const { rules } = resolveRateLimitOptions({ limits: [{ requests: 10, per: "1s" }] });
    const limiter = createLimiter(memoryStore({ clock }), rules, clock);
    expect(limiter.acquire("k", { maxWait: Number.POSITIVE_INFINITY })).toBeUndefined();
    // Both are told of slot 100 (the second of 200); the first may wait until 130 ms, the second without end.
    const outcomes = [130, Number.POSITIVE_INFINITY].map((maxWait) => settlement(clock, t0, limiter.acquire("k", { maxWait })));
    // Once slot 100 is reserved, a pause until 150 ms: within the slot's lateness (one 100 ms interval), but past 130.
    await clock.advance(95);
    await limiter.pause("k", 55);
    await clock.advance(1000);

    expect(outcomes[0]?.at).toBeLessThanOrEqual(130);
    expect(isRateLimitError(outcomes[0]?.error)).toBe(true);
    // One without a deadline still waits out the pause and goes.
    expect(outcomes[1]?.error).toBeUndefined();
    expect(outcomes[1]?.at).toBeGreaterThanOrEqual(150);
  });
});

/** A store shared by a fleet, on the network: decided when asked, answered one round trip later; no synchronous fast path. */
function networkedStore(clock: FakeClock, rttMs: number, onCall: () => void = () => {}): Store {
  const shared = memoryStore({ clock });
  const { rateFastPath: _, ...networked } = shared;
  return {
    ...networked,
    acquireRate(key, rules, maxReserveMs) {
      onCall();
      const d = shared.acquireRate(key, rules, maxReserveMs);
      return clock.sleep(rttMs).then(() => (d instanceof Promise ? d : { ...d, wait: Math.max(0, d.wait - rttMs) }));
    },
  };
}

/**
 * 10/s shared with another process (slots at 0, 100, 200, 300 ms; the store
 * answers 10 ms after it decides). This process sends at 0 ms, queues a head
 * with no deadline, and at 20 ms a request that may wait `maxWait`, behind it.
 * The other process takes slots 100 and 200, so this queue's next grant is
 * slot 300: asked for at 270 ms, answered at 280. The head leaves at 275 ms,
 * while that ask is out.
 */
async function headLeavesDuringAsk(maxWait: number) {
  const clock = createFakeClock();
  const t0 = clock.now();
  const store = networkedStore(clock, 10);
  const { rules } = resolveRateLimitOptions({ limits: [{ requests: 10, per: "1s" }] });
  // This process's queue asks again halfway into the lookahead before the slot it was told of.
  const limiter = createLimiter(store, rules, clock, 0, () => 0.5);
  const other = createLimiter(store, rules, clock);
  const at = (ms: number) => clock.advance(t0 + ms - clock.now());

  void limiter.acquire("k", { maxWait: Number.POSITIVE_INFINITY });
  const head = new AbortController();
  void limiter.acquire("k", { maxWait: Number.POSITIVE_INFINITY, signal: head.signal })?.catch(() => {});
  await at(20);
  const behind = limiter.acquire("k", { maxWait });
  expect(behind).toBeDefined();
  const outcome = settlement(clock, t0, behind);
  await at(51);
  void other.acquire("k", { maxWait: 100 });
  await at(151);
  void other.acquire("k", { maxWait: 100 });
  await at(275);
  head.abort();
  await at(1000);
  return { outcome, queued: limiter.stats().k?.queued };
}

describe("createLimiter: a slot granted after the head left", () => {
  it("goes to the next waiter only if it can still make it; one whose deadline comes first is refused by then, not sent late", async () => {
    // Told of slot 100 and one waiter ahead, a request that may wait until 290 ms expects its slot at 200 ms.
    const { outcome, queued } = await headLeavesDuringAsk(270);
    expect(outcome.at).toBeDefined();
    expect(outcome.at).toBeLessThanOrEqual(290);
    expect(isRateLimitError(outcome.error)).toBe(true);
    expect(queued).toBe(0);
  });

  it("goes to the next waiter when its deadline leaves room for the slot", async () => {
    const { outcome } = await headLeavesDuringAsk(300);
    expect(outcome).toEqual({ at: 300 });
  });
});

/** The fake clock seen by a process whose timers all fire `ms` late (a starved process). */
function lateBy(clock: FakeClock, ms: number): Clock {
  return { now: () => clock.now(), sleep: (d, signal) => clock.sleep(d + ms, signal), schedule: (d, fn) => clock.schedule(d + ms, fn) };
}

/** 150 requests at once through 100/s on a process whose timers fire 15 ms late (more than the 10 ms interval). */
async function lateProcess(arrivalMargin?: Duration) {
  const clock = createFakeClock();
  const t0 = clock.now();
  const o = resolveRateLimitOptions({ limits: [{ requests: 100, per: "1s" }], ...(arrivalMargin && { arrivalMargin }) });
  const limiter = createLimiter(memoryStore({ clock }), o.rules, lateBy(clock, 15), o.arrivalMargin);
  const sent: number[] = [];
  for (let i = 0; i < 150; i++) {
    const waiting = limiter.acquire("k", { maxWait: Number.POSITIVE_INFINITY });
    if (waiting === undefined) sent.push(0);
    else void waiting.then(() => sent.push(clock.now() - t0));
  }
  await clock.advance(5000);
  return { sent, stale: limiter.stats().k?.stale ?? 0 };
}

describe("createLimiter: slots a late timer reaches", () => {
  it("a slot reached more than one interval late is dropped, not sent late", async () => {
    const { stale } = await lateProcess();
    expect(stale).toBeGreaterThan(0);
  });

  it("with arrivalMargin, a slot reached up to the margin late is still used, and no window holds more than the limit", async () => {
    const { sent, stale } = await lateProcess("20ms");
    expect(stale).toBe(0);
    expect(sent).toHaveLength(150);
    for (const t of sent) expect(sent.filter((u) => u >= t && u < t + 1000).length).toBeLessThanOrEqual(100);
  });
});

/**
 * `processes` limiters (one per process) sharing one store whose answers take
 * one round trip (`rttMs`), each with `loops` requests always waiting, for
 * `ms` of fake time at `rate`/s: how many store calls and requests that makes.
 */
async function contendedFleet({ processes, loops, rate, ms, rttMs }: { processes: number; loops: number; rate: number; ms: number; rttMs: number }) {
  const clock = createFakeClock();
  const t0 = clock.now();
  let calls = 0;
  const store = networkedStore(clock, rttMs, () => {
    calls++;
  });
  const { rules } = resolveRateLimitOptions({ limits: [{ requests: rate, per: "1s" }] });
  let sent = 0;
  const byProcess = Array.from({ length: processes }, () => 0);
  const fleet = Array.from({ length: processes }, (_, p) => createLimiter(store, rules, clock, 0, seededRandom(p + 1)));
  fleet.forEach((limiter, p) => {
    for (let i = 0; i < loops; i++)
      void (async () => {
        while (clock.now() - t0 < ms) {
          await limiter.acquire("k", { maxWait: Number.POSITIVE_INFINITY });
          if (clock.now() - t0 < ms) {
            sent++;
            byProcess[p] = (byProcess[p] as number) + 1;
          }
          await clock.sleep(rttMs);
        }
      })();
  });
  await clock.advance(ms);
  return { calls, sent, byProcess };
}

describe("createLimiter: a fleet contending for one key", () => {
  // 200/s for 2 s of fake time: 400 slots, each process asking as the next slot comes within the lookahead.
  it.each([1, 2, 4, 16])("%i process(es) with requests always waiting use every slot", async (processes) => {
    const { sent } = await contendedFleet({ processes, loops: 4, rate: 200, ms: 2000, rttMs: 1 });
    expect(sent).toBe(400);
  });

  // Each process asking for every slot as it came within the lookahead made 5 calls per request with 4 processes, 17 with 16.
  it.each([
    [4, 2],
    [16, 5],
  ])(
    "%i processes ask the store fewer than %i times per request: a refused queue asks again at a random point before the slot it was told of",
    async (processes, most) => {
      const { calls, sent } = await contendedFleet({ processes, loops: 4, rate: 200, ms: 2000, rttMs: 1 });
      expect(sent).toBe(400);
      expect(calls / sent).toBeLessThan(most);
    },
  );

  it.each([2, 4, 16])(
    "%i processes share the slots: none gets less than half its share (a queue that won a slot gains no edge for the next)",
    async (processes) => {
      const { sent, byProcess } = await contendedFleet({ processes, loops: 4, rate: 200, ms: 2000, rttMs: 1 });
      for (const n of byProcess) expect(n).toBeGreaterThanOrEqual(sent / processes / 2);
    },
  );
});
