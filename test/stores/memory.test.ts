import { describe, expect, it } from "vitest";
import { memoryStore } from "../../src/stores/memory.js";
import type { RateRule } from "../../src/stores/types.js";
import { createFakeClock } from "../../src/testing/fake-clock.js";
import { storeContract } from "./contract.js";

describe("memoryStore: Store contract", () => {
  storeContract(async () => {
    const clock = createFakeClock();
    return { store: memoryStore({ clock }), elapse: (ms) => clock.advance(ms) };
  });
});

describe("memoryStore", () => {
  it("answers acquireRate synchronously (no promise on the limiter's hot path)", () => {
    const store = memoryStore({ clock: createFakeClock() });
    const d = store.acquireRate("k", [{ id: "a", interval: 10, tolerance: 0 }], 0);
    expect(d).not.toBeInstanceOf(Promise);
    expect(d).toMatchObject({ granted: true, wait: 0 });
  });

  it("keeps the TAT of a rule when the same key is used with a new rules array holding it", () => {
    const store = memoryStore({ clock: createFakeClock() });
    const rule = { id: "1/s", interval: 1000, tolerance: 0 };
    store.acquireRate("k", [rule], 0);
    const d = store.acquireRate("k", [{ ...rule }, { id: "other", interval: 1, tolerance: 0 }], 0);
    expect(d).toMatchObject({ granted: false });
  });

  it.each([
    ["one rule", [{ id: "a", interval: 100, tolerance: 200 }]],
    [
      "two rules",
      [
        { id: "a", interval: 40, tolerance: 0 },
        { id: "b", interval: 720, tolerance: 720 * 9 },
      ],
    ],
    [
      "three rules",
      [
        { id: "a", interval: 10, tolerance: 30 },
        { id: "b", interval: 50, tolerance: 0 },
        { id: "c", interval: 500, tolerance: 1500 },
      ],
    ],
  ])("rateFastPath (%s) takes exactly the slots acquireRate grants at once, with the same remaining", async (_name, rules: RateRule[]) => {
    const clockA = createFakeClock();
    const clockB = createFakeClock();
    const a = memoryStore({ clock: clockA });
    const b = memoryStore({ clock: clockB });
    const fast = a.rateFastPath?.(rules);
    if (fast === undefined) throw new Error("the memory store has a rate fast path");
    const granted: boolean[] = [];
    for (let step = 0; step < 200; step++) {
      if (step === 120) await Promise.all([a.pauseRate("k", 300), b.pauseRate("k", 300)]);
      const taken = fast.takeNow("k");
      const d = b.acquireRate("k", rules, 0) as Awaited<ReturnType<typeof b.acquireRate>>;
      expect(taken).toBe(d.granted && d.wait === 0);
      if (taken) expect(fast.remaining("k")).toBe(d.remaining);
      granted.push(d.granted);
      // A probe that can never be granted shows, unchanged, when each store would let the next one go.
      expect(a.acquireRate("k", rules, -1)).toEqual(b.acquireRate("k", rules, -1));
      const ms = (step * 37) % 23;
      await Promise.all([clockA.advance(ms), clockB.advance(ms)]);
    }
    // the sequence holds both grants and refusals, and a pause
    expect(granted).toContain(true);
    expect(granted).toContain(false);
  });

  it("rateFastPath reports a key it has never seen as having the whole burst left", () => {
    const fast = memoryStore({ clock: createFakeClock() }).rateFastPath?.([{ id: "a", interval: 100, tolerance: 400 }]);
    expect(fast?.remaining("never")).toBe(5);
  });
});

describe("memoryStore permits", () => {
  it("a copy of a permit ({ key, id }) gives back and renews the permit it names", async () => {
    const clock = createFakeClock();
    const store = memoryStore({ clock });
    const held = await store.acquirePermit("k", 1, 1000);
    expect(held).toBeDefined();
    const copy = { key: held?.key as string, id: held?.id as string };
    expect(await store.renewPermit(copy, 1000)).toBe(true);
    await store.releasePermit(copy);
    expect(await store.acquirePermit("k", 1, 1000)).toBeDefined();
  });

  it("gives each permit its own id and ignores a second release of the same permit", async () => {
    const store = memoryStore({ clock: createFakeClock() });
    const fast = store.permitFastPath?.();
    const a = fast?.takeNow("k", 2, Number.POSITIVE_INFINITY);
    const b = fast?.takeNow("k", 2, Number.POSITIVE_INFINITY);
    expect(a?.id).not.toBe(b?.id);
    fast?.release(a as NonNullable<typeof a>);
    fast?.release(a as NonNullable<typeof a>);
    expect(fast?.takeNow("k", 2, Number.POSITIVE_INFINITY)).toBeDefined();
    // b is still held: the double release of a freed one slot, not two.
    expect(fast?.takeNow("k", 2, Number.POSITIVE_INFINITY)).toBeUndefined();
  });
});
