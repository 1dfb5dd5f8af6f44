/**
 * Quick A/B for optimising the pipeline: ballast and undici.request (or any
 * contenders) in this one process, all warmed up, then measured in alternating
 * slices; prints medians and ratios to undici.request (else the first). Less isolated than the suite
 * (the clients share a heap and JIT) but needs no process start per run and is
 * steadier on a busy machine.
 *
 *   node --import tsx bench/http/compare.ts [--scenario GET|POST] [--slices 8] [--seconds 1] [--contenders ballast,undici.request]
 */
import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";
import { compileBallast, TS_SRC } from "./compile-ballast.js";
import { BASELINE, type Calls, findContender } from "./contenders.js";
import { runLoad } from "./load.js";
import { detectPinning, startServer } from "./processes.js";
import { median } from "./report.js";

const { values } = parseArgs({
  options: {
    scenario: { type: "string", default: "GET" },
    slices: { type: "string", default: "8" },
    seconds: { type: "string", default: "1" },
    concurrency: { type: "string", default: "50" },
    source: { type: "string", default: "compiled" },
    contenders: { type: "string", default: "ballast,undici.request" },
  },
});
const scenario = values.scenario.toUpperCase();
const slices = Number(values.slices);
const durationMs = Number(values.seconds) * 1000;
const concurrency = Number(values.concurrency);
if ((scenario !== "GET" && scenario !== "POST") || !(slices > 0) || !(durationMs > 0) || !(concurrency > 0)) {
  throw new Error("usage: compare.ts [--scenario GET|POST] [--slices 8] [--seconds 1] [--concurrency 50] [--contenders a,b]");
}

// "compiled": src/ as plain JavaScript, as shipped; "ts": src/ through tsx (adds esbuild's __name() helpers).
const ballastSrc = values.source === "ts" ? TS_SRC : compileBallast();
const pinning = detectPinning();
if (pinning.client.length > 0) spawnSync("taskset", ["-p", ...pinning.client, String(process.pid)], { stdio: "ignore" });
const server = await startServer(pinning);
try {
  const names = values.contenders.split(",").map((s) => s.trim());
  const clients: Array<{ name: string; calls: Calls; call: () => Promise<unknown>; rps: number[]; cpu: number[]; p50: number[]; p99: number[] }> = [];
  for (const name of names) {
    const calls = await findContender(name).open(server.baseUrl, ballastSrc);
    clients.push({ name, calls, call: scenario === "GET" ? calls.get : calls.post, rps: [], cpu: [], p50: [], p99: [] });
  }
  for (const c of clients) await runLoad(c.call, concurrency, { durationMs: 2000, minRequests: 20_000, maxMs: 10_000 });
  for (let i = 0; i < slices; i++) {
    // Alternate which client goes first, so neither always follows the other.
    const order = i % 2 === 0 ? clients : [...clients].reverse();
    for (const c of order) {
      const r = await runLoad(c.call, concurrency, { durationMs });
      c.rps.push((r.requests / r.elapsedMs) * 1000);
      c.cpu.push(r.cpuUs / r.requests);
      c.p50.push(r.p50Ms);
      c.p99.push(r.p99Ms);
    }
  }
  const base = clients.find((c) => c.name === BASELINE) ?? clients[0]!;
  console.log(`${scenario}, concurrency ${concurrency}, ${slices} slices × ${durationMs / 1000} s, medians (ratios to ${base.name}):`);
  for (const c of clients) {
    const rps = median(c.rps);
    const cpu = median(c.cpu);
    console.log(
      `  ${c.name.padEnd(16)} ${Math.round(rps).toString().padStart(7)} req/s (${(rps / median(base.rps)).toFixed(2)}×)  ${cpu.toFixed(1).padStart(7)} CPU µs/req (${(cpu / median(base.cpu)).toFixed(2)}×)  p50 ${median(c.p50).toFixed(2)} ms  p99 ${median(c.p99).toFixed(2)} ms`,
    );
  }
  for (const c of clients) await c.calls.close();
} finally {
  server.stop();
}
