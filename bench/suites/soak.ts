/**
 * `npm run bench soak`: the call-unit soak at 10,000 calls (see bench/soak/soak.ts).
 * SOAK_CALLS overrides the size.
 */
import { runSoak } from "../soak/soak.js";

export const title = "Soak: 10,000 calls, ~20 % of attempts failing";

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
  ].join("\n");
}
