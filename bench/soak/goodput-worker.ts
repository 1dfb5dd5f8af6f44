/**
 * One goodput run in a fresh process (bench/http/processes.ts pins it to the
 * client's core): ballast loaded from `ballastSrc` (the compiled copy, as
 * shipped), idempotent calls — half GETs, half keyed POSTs — `concurrency` in
 * flight against the fault server, warmed up, then `durationMs` measured.
 * Prints one `RESULT {json}` line.
 *
 * The client retries up to 10 times with a 1 ms backoff base: the server
 * recovers at once, and the default 200 ms base would measure the backoff
 * policy, not the client.
 */
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ballastLikeAgent } from "../http/contenders.js";
import { runLoad } from "../http/load.js";
import { WARMUP_REQUESTS } from "../http/settings.js";
import { STATS_PATH } from "./soak.js";

export interface GoodputConfig {
  baseUrl: string;
  ballastSrc: string;
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  seed: number;
  /** Who makes the calls: ballast (default), or undici.request with a minimal retry loop (the transport's own limit). */
  client?: "ballast" | "undici";
}

export interface GoodputResult {
  /** Calls that succeeded and failed in the measured run. */
  ok: number;
  failed: number;
  firstError?: string;
  elapsedMs: number;
  /** Client CPU time (user + system) in the measured run, µs. */
  cpuUs: number;
  /** Of which in the kernel (system time), µs. */
  systemUs: number;
  /** Attempts the server saw in the measured run, and its faults by kind ("none" = answered). */
  attempts: number;
  faults: Record<string, number>;
  /** Server CPU time ÷ wall time in the measured run (1 = its core saturated). */
  serverBusy: number;
  /** Latency of successful calls, retries included. */
  p50Ms: number;
  p99Ms: number;
}

interface ServerStats {
  attempts: number;
  faults: Record<string, number>;
  cpuUs: number;
}

// Global fetch has its own connection pool, so these never share (or fault) ballast's connections.
const stats = async (baseUrl: string): Promise<ServerStats> => (await fetch(`${baseUrl}${STATS_PATH}`)).json() as Promise<ServerStats>;

// tsx (which loads this script) turns source maps on, and Node's streams read `err.stack` of every socket error
// they destroy a socket with: mapped stacks would be charged to each connection fault. Users of the compiled
// package run without source maps unless they ask for them.
process.setSourceMapsEnabled(false);

const config = JSON.parse(process.argv[2] ?? "") as GoodputConfig;
const { createClient }: typeof import("../../src/client/create-client.js") = await import(
  pathToFileURL(join(config.ballastSrc, "client/create-client.js")).href
);
const { seededRandom }: typeof import("../../src/testing/chaos.js") = await import(pathToFileURL(join(config.ballastSrc, "testing/chaos.js")).href);
const random = seededRandom(config.seed * 7919);
let n = 0;
let call: () => Promise<unknown>;
let close: () => Promise<void>;
if (config.client === "undici") {
  const { request } = await import("undici");
  const dispatcher = await ballastLikeAgent();
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  // The least a hand-written client does: retry errors, 5xx and 429 up to 10 attempts, full-jitter backoff from 1 ms.
  const attempt = async (url: string, init: Parameters<typeof request>[1]): Promise<unknown> => {
    for (let i = 1; ; i++) {
      try {
        const res = await request(url, init);
        if (res.statusCode < 300) return await res.body.json();
        await res.body.dump();
        if (res.statusCode !== 429 && res.statusCode < 500) throw new Error(`status ${res.statusCode}`);
        if (i >= 10) throw new Error(`status ${res.statusCode} after ${i} attempts`);
      } catch (err) {
        if (i >= 10) throw err;
      }
      await sleep(Math.random() * 2 ** (i - 1));
    }
  };
  call = () => {
    if (random() < 0.5) return attempt(`${config.baseUrl}/orders/${n++}`, { dispatcher });
    const key = randomUUID();
    return attempt(`${config.baseUrl}/orders`, {
      dispatcher,
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": key },
      body: JSON.stringify({ op: key }),
    });
  };
  close = () => dispatcher.close();
} else {
  const client = createClient({ baseUrl: config.baseUrl, retry: { attempts: 10, backoff: { base: 1 } } });
  call = () => {
    if (random() < 0.5) return client.get("/orders/:n", { params: { n: n++ } });
    const key = randomUUID();
    return client.post("/orders", { json: { op: key }, idempotencyKey: key });
  };
  close = () => client.close();
}

await runLoad(call, config.concurrency, { durationMs: config.warmupMs, minRequests: WARMUP_REQUESTS, maxMs: 4 * config.warmupMs });
const before = await stats(config.baseUrl);
const r = await runLoad(call, config.concurrency, { durationMs: config.durationMs });
const after = await stats(config.baseUrl);
await close();

const faults: Record<string, number> = {};
for (const [k, v] of Object.entries(after.faults)) faults[k] = v - (before.faults[k] ?? 0);
const result: GoodputResult = {
  ok: r.requests,
  failed: r.errors,
  elapsedMs: r.elapsedMs,
  cpuUs: r.cpuUs,
  systemUs: r.systemUs,
  attempts: after.attempts - before.attempts,
  faults,
  serverBusy: (after.cpuUs - before.cpuUs) / 1000 / r.elapsedMs,
  p50Ms: r.p50Ms,
  p99Ms: r.p99Ms,
};
if (r.firstError !== undefined) result.firstError = r.firstError;
process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
process.exit(0);
