import { describe, expect, it } from "vitest";
import { memoryStore } from "../../src/stores/memory.js";
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
});
