/**
 * One webhook receiver in a process of its own, as it runs in production:
 * `node receiver-process.ts <compiled ballast src dir> <secret> <spec JSON>`
 * (see ReceiverSpec) listens on 127.0.0.1 and sends `{ port }` over IPC. It
 * counts its own 2xx answers and samples its own CPU and event-loop delay
 * and the whole machine's busy share between the messages "start" and "stop" (answering "stop" with a
 * ReceiverSample); "exit" closes it. Started through bench/webhooks/receiver-child.ts.
 */
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { cpus } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import pg from "pg";
import type { WebhookInbox } from "../../src/webhooks/index.js";
import { machineBusyUs } from "../http/machine-cpu.js";
import { handWrittenReceiver } from "./hand-written-receiver.js";
import { noStoreInbox } from "./no-store-inbox.js";
import type { ReceiverSample, ReceiverSpec } from "./receiver-child.js";

const [ballastSrc = "", secret = "", specJson = "{}"] = process.argv.slice(2);
const spec = JSON.parse(specJson) as ReceiverSpec;
const webhooks: typeof import("../../src/webhooks/index.js") = await import(pathToFileURL(join(ballastSrc, "webhooks", "index.js")).href);

let pool: pg.Pool | undefined;
let inbox: WebhookInbox | undefined;
if (spec.kind === "sqlite") inbox = webhooks.sqliteInbox(spec.path ?? ":memory:", spec.options);
else if (spec.kind === "postgres") {
  pool = new pg.Pool({ connectionString: spec.databaseUrl, max: 10 });
  inbox = webhooks.postgresInbox(pool, { ...spec.options, ...(spec.table !== undefined && { table: spec.table }) });
} else if (spec.kind === "none") inbox = noStoreInbox();

const handler = inbox ? webhooks.createWebhookReceiver({ scheme: "stripe", secret, inbox, worker: false }).node : handWrittenReceiver(secret);

// The 2xx answers between "start" and "stop", and the span from the first to the last.
let acked = 0;
let first = 0;
let last = 0;
// The whole machine's busy CPU time (all processes: this receiver, the load generator, a database server) over the
// same span: read at the first 2xx, then every 100 ms; the last reading before the last 2xx closes the span.
let busyAtFirst: Reading | undefined;
let readings: Reading[] = [];
const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  res.once("finish", () => {
    if (res.statusCode >= 300) return;
    const now = performance.now();
    if (acked++ === 0) {
      first = now;
      busyAtFirst = machineReading();
    }
    last = now;
  });
  handler(req, res);
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => process.send?.({ port: (server.address() as AddressInfo).port }));

/** Bytes this process has caused to be written to storage so far (Linux only). */
function writtenBytes(): number | undefined {
  try {
    const line = readFileSync("/proc/self/io", "utf8").match(/^write_bytes: (\d+)$/m);
    return line ? Number(line[1]) : undefined;
  } catch {
    return undefined;
  }
}

interface Reading {
  at: number;
  busyUs: number;
}

function machineReading(): Reading | undefined {
  const busyUs = machineBusyUs();
  return busyUs === undefined ? undefined : { at: performance.now(), busyUs };
}

/** Share of all the machine's cores busy from the first 2xx to the last reading before the last one. */
function machineBusyShare(): number | undefined {
  const end = readings.findLast((r) => r.at <= last);
  if (busyAtFirst === undefined || end === undefined || end.at - busyAtFirst.at < 500) return undefined;
  return (end.busyUs - busyAtFirst.busyUs) / ((end.at - busyAtFirst.at) * 1000 * cpus().length);
}

let cpu0 = process.cpuUsage();
let written0 = writtenBytes();
const loop = monitorEventLoopDelay({ resolution: 1 });
let sampler: NodeJS.Timeout | undefined;
process.on("message", async (m) => {
  if (m === "start") {
    acked = 0;
    first = 0;
    last = 0;
    cpu0 = process.cpuUsage();
    written0 = writtenBytes();
    busyAtFirst = undefined;
    readings = [];
    clearInterval(sampler);
    sampler = setInterval(() => {
      const r = machineReading();
      if (r && acked > 0) readings.push(r);
    }, 100);
    loop.reset();
    loop.enable();
  } else if (m === "stop") {
    clearInterval(sampler);
    loop.disable();
    const cpu = process.cpuUsage(cpu0);
    const written = writtenBytes();
    const sample: ReceiverSample = {
      acked,
      elapsedMs: last - first,
      cpuUs: cpu.user + cpu.system,
      loopP99: loop.percentile(99) / 1e6,
      loopMax: loop.max / 1e6,
      machineBusy: machineBusyShare(),
      ...(written !== undefined && written0 !== undefined && { writtenBytes: written - written0 }),
    };
    process.send?.(sample);
  } else if (m === "exit") {
    server.closeAllConnections();
    server.close();
    await inbox?.close();
    await pool?.end();
    process.exit(0);
  }
});
