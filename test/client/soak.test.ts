/**
 * The call-unit soak at CI size: against a plain node:http server that fails
 * ~20 % of attempts in every way a call can fail, every keyed POST and GET
 * succeeds and no side effect is applied twice. `npm run bench soak` runs it at 10,000 calls.
 */
import { describe, expect, it } from "vitest";
import { runSoak } from "../../bench/soak/soak.js";

describe("soak: ~20 % of attempts fail, retry: { attempts: 10, budget: false }, 250 ms attempt timeout", () => {
  it("every keyed POST and every GET succeeds, 0 duplicated side effects, no un-keyed POST retried after it may have reached the server", async () => {
    const report = await runSoak({ calls: 1000, concurrency: 64, seed: 42 });
    console.log(JSON.stringify(report));
    expect(report.failures).toEqual([]);
    expect(report.outcomes.keyedPost.failed).toBe(0);
    expect(report.outcomes.get.failed).toBe(0);
    expect(report.outcomes.keyedPost.ok + report.outcomes.get.ok + report.outcomes.unkeyedPost.ok + report.outcomes.unkeyedPost.failed).toBe(1000);
    expect(report.duplicates).toBe(0);
    expect(report.keyedNotOnce).toBe(0);
    expect(report.unkeyedRetriedAfterReaching).toBe(0);
    // the faults really happened
    for (const f of ["reset", "lost", "cut", "500", "503", "429", "429ms", "stall"]) expect(report.faults[f] ?? 0, f).toBeGreaterThan(0);
    expect(report.attempts).toBeGreaterThan(1000 * 1.15);
  }, 60_000);
});
