/**
 * The CPU cost of ballast's pipeline alone, without sockets: the same client
 * configurations as the HTTP suite's ballast rows, over an in-process
 * transport that answers at once with a small JSON body (a fresh stream per
 * attempt, as undici's). Interleaved rounds, one configuration after the
 * other in this process; prints µs per call (median over rounds) and the
 * paired difference to the default pipeline, for the default pipeline plus
 * each policy of the full one alone and for the full one. Useful on a busy machine, where
 * the socket benchmark's figures drift: this one measures what the pipeline
 * adds, which is what its optimisations change.
 *
 *   node --import tsx bench/http/pipeline-cost.ts [--scenario GET|POST] [--rounds 7] [--calls 50000] [--concurrency 50] [--only "full pipeline"]
 *   node --cpu-prof --cpu-prof-dir=.scratch/profiles --import tsx bench/http/pipeline-cost.ts --only "full pipeline"
 */
import { Readable } from "node:stream";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import type { ApiRequest, ApiResponse, Transport } from "../../src/types.js";
import { compileBallast } from "./compile-ballast.js";
import { FULL_PIPELINE } from "./full-pipeline.js";
import { CHARGE, ECHO_PATH, ITEM, ITEM_PATH, TOKEN } from "./payloads.js";
import { median } from "./report.js";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "7" },
    calls: { type: "string", default: "50000" },
    concurrency: { type: "string", default: "50" },
    only: { type: "string" },
    scenario: { type: "string", default: "GET" },
  },
});
const post = values.scenario.toUpperCase() === "POST";
const rounds = Number(values.rounds);
const calls = Number(values.calls);
const concurrency = Number(values.concurrency);

const body = Buffer.from(JSON.stringify(ITEM));
const headers = { "content-type": "application/json", "content-length": String(body.length) };

/** Answers every request at once (on the next turn of the event loop, as a socket would) with the JSON item. */
const instant: Transport = {
  name: "instant",
  enforcesTimeouts: true,
  send(req: ApiRequest): Promise<ApiResponse> {
    return new Promise((resolve) =>
      setImmediate(() => resolve({ status: 200, headers, body: Readable.from([body], { objectMode: false }), request: req, attempts: req.attempt })),
    );
  },
  async close() {},
};

const src = compileBallast();
const { createClient }: typeof import("../../src/client/create-client.js") = await import(pathToFileURL(`${src}/client/create-client.js`).href);
const { bearer }: typeof import("../../src/middleware/auth/auth.js") = await import(pathToFileURL(`${src}/middleware/auth/auth.js`).href);

const base = { baseUrl: "http://127.0.0.1:1", transport: instant, auth: bearer(TOKEN) };
const configs = {
  "no pipeline (transport only)": undefined,
  default: createClient(base),
  "+ rate limit (2 limits)": createClient({ ...base, rateLimit: FULL_PIPELINE.rateLimit }),
  "+ circuit breaker": createClient({ ...base, circuitBreaker: FULL_PIPELINE.circuitBreaker }),
  "+ concurrency": createClient({ ...base, concurrency: FULL_PIPELINE.concurrency }),
  "full pipeline": createClient({ ...base, ...FULL_PIPELINE }),
};

// POST: the client encodes CHARGE as its body (the instant transport answers the item whatever it is sent).
const req = { method: post ? "POST" : "GET", origin: base.baseUrl, path: post ? ECHO_PATH : ITEM_PATH, attempt: 1 } as ApiRequest;
async function bare(): Promise<unknown> {
  const res = await instant.send(post ? { ...req, body: JSON.stringify(CHARGE) } : req);
  const chunks: Buffer[] = [];
  for await (const c of res.body as Readable) chunks.push(c as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}

/** CPU µs per call for `calls` calls, `concurrency` in flight. */
async function measure(call: () => Promise<unknown>): Promise<number> {
  let left = calls;
  const cpu0 = process.cpuUsage();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (left-- > 0) await call();
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  return (cpu.user + cpu.system) / calls;
}

// --only "full pipeline": that configuration alone (for a CPU profile), with the default as the reference.
const names = (Object.keys(configs) as Array<keyof typeof configs>).filter((n) => values.only === undefined || n === values.only || n === "default");
const callOf = (n: keyof typeof configs) => {
  const c = configs[n];
  if (c === undefined) return bare;
  return post ? () => c.post(ECHO_PATH, { json: CHARGE }) : () => c.get(ITEM_PATH);
};
for (const n of names) await measure(callOf(n)); // warm-up
const samples = new Map<string, number[]>(names.map((n) => [n, []]));
for (let r = 0; r < rounds; r++) {
  for (const n of r % 2 === 0 ? names : [...names].reverse()) samples.get(n)?.push(await measure(callOf(n)));
}
const def = samples.get("default") as number[];
for (const n of names) {
  const s = samples.get(n) as number[];
  const diff = median(s.map((v, i) => v - (def[i] as number)));
  console.log(`${n.padEnd(30)} ${median(s).toFixed(2).padStart(7)} µs/call   vs default ${diff >= 0 ? "+" : ""}${diff.toFixed(2)} µs`);
}
for (const c of Object.values(configs)) await c?.close();
