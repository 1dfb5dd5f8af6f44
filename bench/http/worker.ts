/**
 * One benchmark run of one contender, in its own process (the suite pins it
 * to one core): warm up, then measure each scenario; prints one
 * `RESULT {json}` line. Usage:
 *   node --import tsx bench/http/worker.ts '{"contender":"ballast","baseUrl":"http://127.0.0.1:1234","concurrency":50,"warmupMs":500,"durationMs":2000}'
 */

import { request } from "node:http";
import { isDeepStrictEqual } from "node:util";
import { type Calls, findContender } from "./contenders.js";
import { type LoadResult, runLoad } from "./load.js";
import { machineBusyUs } from "./machine-cpu.js";
import { CHARGE, CPU_PATH, ITEM } from "./payloads.js";
import { WARMUP_REQUESTS } from "./settings.js";

export interface WorkerConfig {
  contender: string;
  baseUrl: string;
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  /** Where to load ballast from (compile-ballast.ts). */
  ballastSrc: string;
}

export type Scenario = "GET" | "POST";

export interface ScenarioResult extends LoadResult {
  scenario: Scenario;
  /** Server CPU time during the measured run divided by its wall time (1 = one core saturated). */
  serverBusy: number;
  /** CPU time of all other processes on the machine during the run ÷ its wall time (1 = one core's worth). */
  otherBusy: number;
}

/** The server's CPU time so far, in µs, over a fresh connection (not the contender's pool). */
function serverCpuUs(baseUrl: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${baseUrl}${CPU_PATH}`, { agent: false }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => {
        text += c;
      });
      res.on("end", () => {
        const cpu = JSON.parse(text) as NodeJS.CpuUsage;
        resolve(cpu.user + cpu.system);
      });
    });
    req.on("error", reject);
    req.end();
  });
}

/** Checks both calls once, then warms up on GET and POST alternately, so the JIT has settled before either is measured. */
async function warmUp(calls: Calls, config: WorkerConfig): Promise<void> {
  const get = await calls.get();
  if (!isDeepStrictEqual(get, ITEM)) throw new Error(`${config.contender} GET returned ${JSON.stringify(get)}, not the expected JSON`);
  const post = await calls.post();
  if (!isDeepStrictEqual(post, CHARGE)) throw new Error(`${config.contender} POST returned ${JSON.stringify(post)}, not the expected JSON`);
  let n = 0;
  const both = () => (n++ & 1 ? calls.post() : calls.get());
  // At least WARMUP_REQUESTS even when the machine is slow, within bounds.
  await runLoad(both, config.concurrency, { durationMs: config.warmupMs, minRequests: WARMUP_REQUESTS, maxMs: 4 * config.warmupMs });
}

async function measure(calls: Calls, scenario: Scenario, config: WorkerConfig): Promise<ScenarioResult> {
  const machine0 = machineBusyUs();
  const server0 = await serverCpuUs(config.baseUrl);
  const result = await runLoad(scenario === "GET" ? calls.get : calls.post, config.concurrency, { durationMs: config.durationMs });
  const serverUs = (await serverCpuUs(config.baseUrl)) - server0;
  const machine1 = machineBusyUs();
  const otherUs = machine0 === undefined || machine1 === undefined ? Number.NaN : Math.max(0, machine1 - machine0 - serverUs - result.cpuUs);
  return { scenario, ...result, serverBusy: serverUs / 1000 / result.elapsedMs, otherBusy: otherUs / 1000 / result.elapsedMs };
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? "") as WorkerConfig;
  const calls = await findContender(config.contender).open(config.baseUrl, config.ballastSrc);
  const results: ScenarioResult[] = [];
  await warmUp(calls, config);
  for (const scenario of ["GET", "POST"] as const) results.push(await measure(calls, scenario, config));
  await calls.close();
  process.stdout.write(`RESULT ${JSON.stringify(results)}\n`);
}

await main();
// Sockets of some clients (got, axios agents) may linger; the result is out, so leave now.
process.exit(0);
