import { describe, expect, it } from "vitest";
import { Tally } from "../../src/cli/demo/tally.js";
import { runCli, useCli } from "./support/built-cli.js";

useCli();

describe("ballast demo", () => {
  it("tells the whole story and ends with the closing table; exit 0 when nothing was duplicated or lost", async () => {
    const r = await runCli(["demo"], { timeout: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    for (const heading of ["1. Payments under faults", "2. A paginated export", "3. Signed webhooks into a SQLite inbox", "Summary"])
      expect(r.stdout).toContain(heading);
    expect(r.stdout).toMatch(/40 orders paid with \d+ requests: 40 charges made, 0 charged twice/);
    expect(r.stdout).toMatch(/breaker opened and [1-9]\d* failed fast/);
    expect(r.stdout).toMatch(/600 customers in 24 pages/);
    expect(r.stdout).toMatch(/24 events stored and acknowledged, 4 redeliveries acknowledged without processing, 5 refused/);
    expect(r.stdout).toMatch(/ledger: 24 orders marked paid, 0 twice/);
    const row = (name: string) => new RegExp(`^ {2}${name} +(.+)$`, "m").exec(r.stdout)?.[1];
    expect(Number(row("calls"))).toBeGreaterThan(100);
    expect(Number(row("retries"))).toBeGreaterThan(0);
    expect(Number(row("breaker trips"))).toBe(1);
    // Each of the 6 answers lost after charging is retried at least once, and each such retry is answered without a new charge.
    const prevented = /^(\d+) \(charges (\d+), webhooks 4\)$/.exec(row("duplicates prevented") ?? "");
    expect(prevented).not.toBeNull();
    expect(Number(prevented?.[2])).toBeGreaterThanOrEqual(6);
    expect(row("duplicated side effects")).toBe("0");
    expect(row("webhooks verified")).toBe("28");
    expect(row("webhooks processed")).toBe("24 of 24 acknowledged");
    expect(row("webhooks rejected")).toBe("5");
    expect(row("latency p50 / p95")).toMatch(/^\d+\.\d ms \/ \d+\.\d ms$/);
    // The client calls' time split: the API's own latency, and time queued here (the export waits for the server's limit).
    expect(row("API time p50 / p95")).toMatch(/^\d+\.\d ms \/ \d+\.\d ms$/);
    expect(row("queued p50 / p95")).toMatch(/^\d+\.\d ms \/ \d+\.\d ms$/);
    const queued = /^rate limit (\d+\.\d\d) s, concurrency 0\.00 s, retry backoff (\d+\.\d\d) s$/.exec(row("queued in all") ?? "");
    expect(queued, row("queued in all")).not.toBeNull();
    expect(Number(queued?.[1])).toBeGreaterThan(0);
    expect(Number(queued?.[2])).toBeGreaterThan(0);
    // stderr is not a terminal here: no progress bar drawn.
    expect(r.stderr).toBe("");
  });
});

describe("the demo's verdict", () => {
  it("fails on a duplicated side effect or an acknowledged webhook that was not processed", () => {
    const t = new Tally();
    t.webhooksAcknowledged = 3;
    t.webhooksProcessed = 3;
    expect(t.failures()).toEqual([]);
    t.webhooksProcessed = 2;
    t.duplicatedEffects = 1;
    expect(t.failures()).toEqual(["1 side effects happened more than once", "1 acknowledged webhooks were not processed"]);
  });

  it("shows the client calls' API time and queue time when it has them", () => {
    const t = new Tally();
    expect(t.render()).not.toContain("API time");
    t.clientTimes = { api: { p50: 12, p95: 40 }, queue: { p50: 3, p95: 250, rateLimitMs: 4_200, concurrencyMs: 0, backoffMs: 130 } };
    expect(t.render()).toMatch(/^API time p50 \/ p95 +12\.0 ms \/ 40\.0 ms$/m);
    expect(t.render()).toMatch(/^queued p50 \/ p95 +3\.0 ms \/ 250\.0 ms$/m);
    expect(t.render()).toMatch(/^queued in all +rate limit 4\.20 s, concurrency 0\.00 s, retry backoff 0\.13 s$/m);
  });

  it("reports p50 and p95 of the timed calls", async () => {
    const t = new Tally();
    for (let i = 1; i <= 100; i++) t.latencies.push(i);
    expect(t.percentile(50)).toBe(50);
    expect(t.percentile(95)).toBe(95);
    await t.time(async () => {});
    expect(t.latencies).toHaveLength(101);
  });
});
