/**
 * Profiling entry: runs one client (ballast by default) against the benchmark
 * server for a while, in this process, so a CPU profile shows the client
 * pipeline only (the server runs in its own process).
 *
 *   node --cpu-prof --cpu-prof-dir=bench/profiles --import tsx bench/http/profile.ts --seconds 10
 *   node --import tsx bench/http/profile.ts --scenario POST --contender undici.request
 *
 * Open the .cpuprofile in Chrome DevTools (Performance) or speedscope.
 */
import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";
import { compileBallast, TS_SRC } from "./compile-ballast.js";
import { findContender } from "./contenders.js";
import { runLoad } from "./load.js";
import { detectPinning, startServer } from "./processes.js";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "10" },
    scenario: { type: "string", default: "GET" },
    contender: { type: "string", default: "ballast" },
    concurrency: { type: "string", default: "50" },
    source: { type: "string", default: "compiled" },
  },
});
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
const scenario = values.scenario.toUpperCase();
if (!(seconds > 0) || !(concurrency > 0) || (scenario !== "GET" && scenario !== "POST")) {
  throw new Error("usage: profile.ts [--seconds N] [--scenario GET|POST] [--contender ballast] [--concurrency 50]");
}

// "compiled": src/ as plain JavaScript, as shipped; "ts": src/ through tsx (adds esbuild's __name() helpers).
const ballastSrc = values.source === "ts" ? TS_SRC : compileBallast();
const pinning = detectPinning();
// Keep this process off the server's core, as in the suite.
if (pinning.client.length > 0) spawnSync("taskset", ["-p", ...pinning.client, String(process.pid)], { stdio: "ignore" });
const server = await startServer(pinning);
try {
  const calls = await findContender(values.contender).open(server.baseUrl, ballastSrc);
  const call = scenario === "GET" ? calls.get : calls.post;
  await runLoad(call, concurrency, { durationMs: 1000, minRequests: 5000, maxMs: 5000 });
  const r = await runLoad(call, concurrency, { durationMs: seconds * 1000 });
  await calls.close();
  const rps = Math.round((r.requests / r.elapsedMs) * 1000);
  console.log(
    `${values.contender} ${scenario}: ${r.requests} requests, ${rps} req/s, ${(r.cpuUs / r.requests).toFixed(1)} CPU µs/req, p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms, ${r.errors} errors`,
  );
  if (r.firstError !== undefined) console.log(`first error: ${r.firstError}`);
  if (!process.execArgv.some((a) => a.startsWith("--cpu-prof"))) console.log("(no profile written: run node with --cpu-prof [--cpu-prof-dir=DIR])");
} finally {
  server.stop();
}
