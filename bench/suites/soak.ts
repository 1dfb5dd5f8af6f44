/**
 * `npm run bench soak`: the call-unit soak at 10,000 calls, then goodput under
 * faults: paired rounds of the same idempotent load with and without ~20 % of
 * attempts faulted (see bench/soak/soak.ts). SOAK_CALLS and GOODPUT_CALLS /
 * GOODPUT_ROUNDS override the sizes.
 */
import { GOODPUT_FAULTS, type GoodputReport, runGoodput, runSoak } from "../soak/soak.js";

export const title = "Soak: 10,000 calls, ~20 % of attempts failing; goodput under faults";

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

/** Paired rounds: fault-free and faulted runs of the same load, alternating which goes first. */
async function goodput(): Promise<string> {
  const quick = process.env.BENCH_QUICK === "1";
  const calls = Number(process.env.GOODPUT_CALLS ?? (quick ? 2_000 : 10_000));
  const rounds = Number(process.env.GOODPUT_ROUNDS ?? (quick ? 2 : 5));
  const concurrency = 50;
  const clean: GoodputReport[] = [];
  const faulted: GoodputReport[] = [];
  const ratios: number[] = [];
  await runGoodput({ calls: 2_000, concurrency, seed: 99, faults: GOODPUT_FAULTS }); // warm-up
  for (let r = 0; r < rounds; r++) {
    const run = (faults: boolean) => runGoodput({ calls, concurrency, seed: r + 1, faults: faults ? GOODPUT_FAULTS : undefined });
    let c: GoodputReport;
    let f: GoodputReport;
    if (r % 2 === 0) {
      c = await run(false);
      f = await run(true);
    } else {
      f = await run(true);
      c = await run(false);
    }
    clean.push(c);
    faulted.push(f);
    ratios.push(f.ok / f.ms / (c.ok / c.ms));
  }
  const rate = (xs: GoodputReport[]) => median(xs.map((x) => (x.ok / x.ms) * 1000));
  const failed = faulted.reduce((n, x) => n + x.failed, 0) + clean.reduce((n, x) => n + x.failed, 0);
  const faultedAttempts = faulted.reduce((n, x) => n + x.attempts, 0);
  const faultCount = faulted.reduce((n, x) => n + (x.attempts - (x.faults.none ?? 0)), 0);
  const ratio = median(ratios);
  const met = ratio >= 0.75 && failed === 0;
  const mix = Object.entries(
    faulted.reduce<Record<string, number>>((acc, x) => {
      for (const [f, n] of Object.entries(x.faults)) if (f !== "none") acc[f] = (acc[f] ?? 0) + n;
      return acc;
    }, {}),
  )
    .map(([f, n]) => `${f === "429zero" ? "429 Retry-After: 0" : f} ${n}`)
    .join(", ");
  return [
    `${rounds} paired rounds of ${calls} idempotent calls (half GETs, half keyed POSTs), ${concurrency} in flight, client and server in one process on loopback; the client retries up to 10 times with a 1 ms backoff base (the server recovers at once; the default 200 ms base would measure the backoff policy, not the client). Faulted runs: ${((faultCount / faultedAttempts) * 100).toFixed(1)} % of attempts faulted (seeded per round: ${mix}). Goodput: successful calls per second; the ratio is the median of each round's faulted ÷ fault-free.`,
    "",
    "| run | calls/s (median) | attempts per call | failed calls |",
    "|---|--:|--:|--:|",
    `| fault-free | ${Math.round(rate(clean)).toLocaleString("en-US")} | ${(clean.reduce((n, x) => n + x.attempts, 0) / (calls * rounds)).toFixed(2)} | ${clean.reduce((n, x) => n + x.failed, 0)} |`,
    `| ~20 % of attempts faulted | ${Math.round(rate(faulted)).toLocaleString("en-US")} | ${(faultedAttempts / (calls * rounds)).toFixed(2)} | ${faulted.reduce((n, x) => n + x.failed, 0)} |`,
    "",
    `Goodput under faults: ${ratio.toFixed(2)}× fault-free (rounds: ${ratios.map((x) => x.toFixed(2)).join(", ")}). Target (≥ 0.75× with every call succeeding): **${met ? "met" : "NOT met"}**.${
      failed > 0
        ? ` First failures: ${faulted
            .flatMap((x) => x.failures)
            .slice(0, 3)
            .join("; ")}`
        : ""
    }`,
  ].join("\n");
}

export async function run(): Promise<string> {
  const calls = Number(process.env.SOAK_CALLS ?? (process.env.BENCH_QUICK === "1" ? 2_000 : 10_000));
  const r = await runSoak({ calls, concurrency: 64, seed: 1 });
  const met =
    r.outcomes.keyedPost.failed === 0 && r.outcomes.get.failed === 0 && r.duplicates === 0 && r.keyedNotOnce === 0 && r.unkeyedRetriedAfterReaching === 0;
  const faults = Object.entries(r.faults)
    .filter(([f]) => f !== "none")
    .map(([f, n]) => `${f} ${n}`)
    .join(", ");
  return [
    "A plain node:http server fails about 20 % of attempts (resets before processing, answers lost after the side effect, bodies cut half-way after the headers, 500/503, 429 with `Retry-After: 1` or `retry-after-ms: 30`, stalls); the client runs `retry: { attempts: 10, budget: false }` with a 250 ms attempt timeout, 64 calls in flight: 60 % keyed POSTs, 30 % GETs, 10 % un-keyed POSTs.",
    "",
    "| calls | attempts | keyed POST ok / failed | GET ok / failed | un-keyed POST ok / failed | duplicated side effects | un-keyed POSTs retried after reaching the server | time |",
    "|---|---|---|---|---|---|---|---|",
    `| ${r.calls} | ${r.attempts} | ${r.outcomes.keyedPost.ok} / ${r.outcomes.keyedPost.failed} | ${r.outcomes.get.ok} / ${r.outcomes.get.failed} | ${r.outcomes.unkeyedPost.ok} / ${r.outcomes.unkeyedPost.failed} | ${r.duplicates} | ${r.unkeyedRetriedAfterReaching} | ${(r.ms / 1000).toFixed(1)} s |`,
    "",
    `Faults injected: ${faults}.`,
    "",
    `Target (every keyed POST and GET succeeds, 0 duplicates, no un-keyed POST retried after it may have reached the server): **${met ? "met" : "NOT met"}**.${r.failures.length > 0 ? ` First failures: ${r.failures.join("; ")}` : ""}`,
    "",
    "### Goodput under faults",
    "",
    await goodput(),
  ].join("\n");
}
