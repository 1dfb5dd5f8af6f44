/**
 * Issue 2: throughput and client CPU per request of ballast's full default
 * pipeline against raw undici and the usual HTTP clients, small JSON GET and
 * POST on loopback at concurrency 50. The server runs in its own process on
 * one core; every run of every client is a fresh process on the other core;
 * rounds interleave the contenders (in a rotated order) and the tables show
 * medians. Settings: see bench/http/settings.ts.
 */
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { compileBallast } from "../http/compile-ballast.js";
import { BASELINE, type Contender } from "../http/contenders.js";
import { detectPinning, runWorker, startServer } from "../http/processes.js";
import { renderFailures, renderScenario, type Samples } from "../http/report.js";
import { readSettings, WARMUP_REQUESTS } from "../http/settings.js";

export const title = "HTTP client: small JSON GET and POST, concurrency 50";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

function versionOf(c: Contender): string {
  if (c.packageJson === undefined) return `Node ${process.version} (undici ${process.versions.undici})`;
  try {
    return JSON.parse(readFileSync(join(repoRoot, c.packageJson), "utf8")).version;
  } catch {
    return "n/a";
  }
}

/** Round r starts r places further down the list, so no contender always runs right after the same one. */
function rotated<T>(list: T[], r: number): T[] {
  const k = r % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}

const load = () =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(" / ");

export async function run(): Promise<string> {
  const settings = readSettings();
  const pinning = detectPinning();
  const loadBefore = load();
  const samples: Samples[] = settings.contenders.map((contender) => ({
    contender,
    version: versionOf(contender),
    results: new Map(),
    failures: [],
  }));
  const ballastSrc = compileBallast();
  const server = await startServer(pinning);
  try {
    for (let round = 0; round < settings.rounds; round++) {
      for (const s of rotated(samples, round)) {
        try {
          const results = await runWorker(pinning, {
            contender: s.contender.name,
            baseUrl: server.baseUrl,
            concurrency: settings.concurrency,
            warmupMs: settings.warmupMs,
            durationMs: settings.durationMs,
            ballastSrc,
          });
          for (const r of results) s.results.set(r.scenario, [...(s.results.get(r.scenario) ?? []), { ...r, round }]);
          const summary = results.map(
            (r) => `${r.scenario} ${Math.round((r.requests / r.elapsedMs) * 1000)} req/s ${(r.cpuUs / r.requests).toFixed(1)} µs/req`,
          );
          console.error(`round ${round + 1}/${settings.rounds} ${s.contender.name}: ${summary.join(", ")}`);
        } catch (err) {
          s.failures.push((err as Error).message);
          console.error(`round ${round + 1}/${settings.rounds} ${s.contender.name} failed: ${(err as Error).message}`);
        }
      }
    }
  } finally {
    server.stop();
  }

  const method = [
    `${settings.rounds} interleaved rounds; in each, every contender runs in a fresh process: ≥ ${settings.warmupMs / 1000} s warm-up (GET and POST alternately, at least ${WARMUP_REQUESTS} requests unless that takes 4× as long), then ${settings.durationMs / 1000} s measured for GET, then for POST;`,
    `${settings.concurrency} requests in flight (closed loop), ~110-byte JSON response; POST sends ~100 bytes of JSON that the server echoes.`,
    "Every contender sends `authorization: Bearer …` (the server rejects requests without it), keeps connections alive and parses the JSON.",
    "ballast: `createClient({ baseUrl, auth: bearer(token) })` (auth, retry, attempt and total timeouts; logging off), src/ compiled to JavaScript by TypeScript's transpiler as the package ships (not run through tsx). undici.request and undici fetch use an Agent like ballast's (pipelining 1, unlimited connections, keep-alive 4 s).",
    "CPU µs/req: client process user + system CPU time ÷ requests (the figure that shows per-request overhead when the server is the bottleneck). Server CPU: server CPU time ÷ wall time (100 % = its core saturated).",
    "Figures are medians over rounds; ratios are paired: the median over rounds of (contender ÷ baseline in the same round), which cancels much of a shared machine's drift between rounds.",
    "Other load: CPU time of every other process on the machine during the run ÷ wall time (from /proc/stat; 100 % = a core's worth). Above a few %, other work competed with the client or server and inflated both req/s noise and CPU µs/req (a contender slowed that much may also not reach its warm-up count, which inflates its CPU µs/req further); rerun on a quiet machine.",
    pinning.note,
    `Load average (1/5/15 min) before: ${loadBefore}; after: ${load()}. Other processes on the machine skew req/s more than CPU µs/req.`,
  ].join("\n");
  const sections = [method, renderScenario(samples, "GET", BASELINE), renderScenario(samples, "POST", BASELINE), renderFailures(samples)];
  return sections.filter((s) => s !== "").join("\n\n");
}
