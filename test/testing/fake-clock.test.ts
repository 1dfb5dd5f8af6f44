import { describe, expect, it } from "vitest";
import { createFakeClock } from "../../src/testing/fake-clock.js";

describe("createFakeClock", () => {
  it("starts at a fixed time, or the one given, and only moves when told", async () => {
    expect(createFakeClock().now()).toBe(1_700_000_000_000);
    const clock = createFakeClock(5_000);
    expect(clock.now()).toBe(5_000);
    await new Promise((r) => setTimeout(r, 5));
    expect(clock.now()).toBe(5_000);
    await clock.advance(250);
    expect(clock.now()).toBe(5_250);
  });

  it("resolves a sleep only once time has advanced past it", async () => {
    const clock = createFakeClock(0);
    let woke = false;
    const sleeping = clock.sleep(100).then(() => {
      woke = true;
    });
    expect(clock.pending()).toBe(1);
    await clock.advance(99);
    expect(woke).toBe(false);
    await clock.advance(1);
    expect(woke).toBe(true);
    expect(clock.pending()).toBe(0);
    await sleeping;
  });

  it("wakes sleepers in time order, ties in the order they slept, each seeing its own wake-up time", async () => {
    const clock = createFakeClock(0);
    const order: string[] = [];
    const nap = (name: string, ms: number) => clock.sleep(ms).then(() => order.push(`${name}@${clock.now()}`));
    void nap("c", 300);
    void nap("a", 100);
    void nap("b1", 200);
    void nap("b2", 200);
    await clock.advance(1_000);
    expect(order).toEqual(["a@100", "b1@200", "b2@200", "c@300"]);
    expect(clock.now()).toBe(1_000);
  });

  it("handles code that sleeps again in a loop within one advance", async () => {
    const clock = createFakeClock(0);
    const ticks: number[] = [];
    const loop = (async () => {
      for (let i = 0; i < 5; i++) {
        await clock.sleep(10);
        // a continuation that hops through a few more promises before sleeping again
        await Promise.resolve();
        await Promise.resolve();
        ticks.push(clock.now());
      }
    })();
    await clock.advance(35);
    expect(ticks).toEqual([10, 20, 30]);
    await clock.advance(100);
    expect(ticks).toEqual([10, 20, 30, 40, 50]);
    await loop;
  });

  it("resolves zero and negative sleeps at once", async () => {
    const clock = createFakeClock(0);
    await clock.sleep(0);
    await clock.sleep(-5);
    expect(clock.pending()).toBe(0);
  });

  it("rejects with the signal's reason when aborted, and forgets the sleeper", async () => {
    const clock = createFakeClock(0);
    const controller = new AbortController();
    const sleeping = clock.sleep(1_000, controller.signal);
    expect(clock.pending()).toBe(1);
    const reason = new Error("stop");
    controller.abort(reason);
    await expect(sleeping).rejects.toBe(reason);
    expect(clock.pending()).toBe(0);
  });

  it("rejects at once when the signal is already aborted", async () => {
    const clock = createFakeClock(0);
    const reason = new Error("already");
    await expect(clock.sleep(10, AbortSignal.abort(reason))).rejects.toBe(reason);
    expect(clock.pending()).toBe(0);
  });

  it("does not reject a sleep whose signal aborts after it woke", async () => {
    const clock = createFakeClock(0);
    const controller = new AbortController();
    const sleeping = clock.sleep(10, controller.signal);
    await clock.advance(10);
    controller.abort(new Error("late"));
    await expect(sleeping).resolves.toBeUndefined();
  });

  it("set() jumps to a time, waking due sleepers; moving back wakes none", async () => {
    const clock = createFakeClock(0);
    let woke = 0;
    void clock.sleep(50).then(() => woke++);
    void clock.sleep(500).then(() => woke++);
    clock.set(100);
    await clock.flush();
    expect(woke).toBe(1);
    expect(clock.now()).toBe(100);
    clock.set(10);
    expect(clock.now()).toBe(10);
    await clock.flush();
    expect(woke).toBe(1);
    expect(clock.nextWakeup()).toBe(500);
  });

  it("runAll() wakes everything, including sleeps scheduled by woken code", async () => {
    const clock = createFakeClock(0);
    const seen: number[] = [];
    void (async () => {
      await clock.sleep(1_000);
      seen.push(clock.now());
      await clock.sleep(60_000);
      seen.push(clock.now());
    })();
    await clock.runAll();
    expect(seen).toEqual([1_000, 61_000]);
    expect(clock.pending()).toBe(0);
  });

  it("runAll() stops an endless sleep loop with an error", async () => {
    const clock = createFakeClock(0);
    let stop = false;
    void (async () => {
      while (!stop) await clock.sleep(1);
    })();
    await expect(clock.runAll(50)).rejects.toThrow(/endless/);
    stop = true;
    await clock.advance(1);
  });

  it("schedule() calls back when time reaches it, in order with sleepers, unless cancelled", async () => {
    const clock = createFakeClock(0);
    const order: string[] = [];
    clock.schedule(200, () => order.push(`scheduled@${clock.now()}`));
    const cancel = clock.schedule(100, () => order.push("cancelled"));
    void clock.sleep(150).then(() => order.push(`slept@${clock.now()}`));
    expect(clock.pending()).toBe(3);
    cancel();
    expect(clock.pending()).toBe(2);
    await clock.advance(199);
    expect(order).toEqual(["slept@150"]);
    await clock.advance(1);
    expect(order).toEqual(["slept@150", "scheduled@200"]);
    cancel(); // cancelling twice, or after it ran, does nothing
    expect(clock.pending()).toBe(0);
  });

  it("waitForPending() resolves once code that does real I/O first has gone to sleep", async () => {
    const clock = createFakeClock(0);
    void (async () => {
      await new Promise((r) => setTimeout(r, 30)); // stands in for a real request
      await clock.sleep(1_000);
    })();
    expect(clock.pending()).toBe(0);
    await clock.waitForPending(1);
    expect(clock.pending()).toBe(1);
    await clock.advance(1_000);
    await expect(clock.waitForPending(1, 20)).rejects.toThrow(/waited 20 ms/);
  });

  it("rejects invalid times", async () => {
    const clock = createFakeClock(0);
    await expect(clock.advance(-1)).rejects.toThrow(RangeError);
    await expect(clock.advance(Number.NaN)).rejects.toThrow(RangeError);
    expect(() => clock.set(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });
});
