/**
 * Issue 6: memory stays flat while streaming. A 1 GiB download (generated on
 * the fly by a loopback server, never held in memory) is read to the end by
 * raw undici and by ballast's `client.raw()` (full default pipeline), and a
 * 256 MiB NDJSON export through `client.raw()` + `ndjson()`. Each run is a
 * fresh child process; the table shows its peak RSS (medians of interleaved
 * rounds). Run: `npm run bench streaming`.
 */
import { execFile } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";

export const title = "Streaming: 1 GiB download and 256 MiB NDJSON, peak memory";

const GIB = 2 ** 30;
const NDJSON_BYTES = 256 * 2 ** 20;
const ROUNDS = process.env.BENCH_QUICK === "1" ? 1 : 3;

type Name = "undici" | "ballast-raw" | "ballast-ndjson";
const CONTENDERS: Array<{ name: Name; label: string; bytes: number }> = [
  { name: "undici", label: "undici `request()`, body read to the end", bytes: GIB },
  { name: "ballast-raw", label: "ballast `client.raw()`, body read to the end", bytes: GIB },
  { name: "ballast-ndjson", label: "ballast `client.raw()` + `ndjson()`, every line parsed", bytes: NDJSON_BYTES },
];

interface Result {
  bytes: number;
  ms: number;
  startRss: number;
  peakRss: number;
}

// ---------------------------------------------------------------- worker side

async function consume(name: Name, base: string): Promise<number> {
  let bytes = 0;
  if (name === "undici") {
    const { request } = await import("undici");
    const res = await request(`${base}/bytes`);
    for await (const chunk of res.body) bytes += (chunk as Buffer).length;
    return bytes;
  }
  const { createClient } = await import("../../src/client/create-client.js");
  const client = createClient({ baseUrl: base });
  try {
    if (name === "ballast-raw") {
      const res = await client.raw({ method: "GET", path: "/bytes", timeout: false });
      for await (const chunk of res.body as Readable) bytes += (chunk as Buffer).length;
    } else {
      const { ndjson } = await import("../../src/streaming/ndjson.js");
      const res = await client.raw({ method: "GET", path: "/ndjson", timeout: false });
      for await (const row of ndjson<{ pad: string }>(res.body as Readable)) bytes += row.pad.length + 12;
    }
  } finally {
    await client.close();
  }
  return bytes;
}

if (process.argv[2] === "--worker") {
  const name = process.argv[3] as Name;
  const base = process.argv[4] as string;
  const startRss = process.memoryUsage().rss / 2 ** 20;
  const t0 = performance.now();
  const bytes = await consume(name, base);
  const ms = performance.now() - t0;
  const peakRss = (process.resourceUsage().maxRSS * 1024) / 2 ** 20;
  process.stdout.write(JSON.stringify({ bytes, ms, startRss, peakRss } satisfies Result));
}

// ---------------------------------------------------------------- parent side

/** Writes `total` bytes of `chunk` repeated, waiting for `drain`: the server never holds more than a chunk. */
function startServer(): Promise<{ url: string; close(): Promise<void> }> {
  const bytes = Buffer.alloc(64 * 1024, "x");
  const line = `{"pad":"${"p".repeat(500)}"}\n`;
  const lines = Buffer.from(line.repeat(Math.floor((64 * 1024) / line.length)));
  const server = createServer((req, res) => {
    const chunk = req.url === "/ndjson" ? lines : bytes;
    const total = req.url === "/ndjson" ? Math.floor(NDJSON_BYTES / chunk.length) * chunk.length : GIB;
    res.writeHead(200, { "content-type": req.url === "/ndjson" ? "application/x-ndjson" : "application/octet-stream", "content-length": String(total) });
    let sent = 0;
    const pump = () => {
      while (sent < total) {
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once("drain", pump);
      }
      res.end();
    };
    pump();
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        close: () => new Promise((r) => server.close(() => r())),
      }),
    ),
  );
}

function runWorker(name: Name, base: string): Promise<Result> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), "--worker", name, base], { maxBuffer: 1 << 20 }, (err, stdout) => {
      if (err) return reject(err);
      resolve(JSON.parse(stdout) as Result);
    });
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

export async function run(): Promise<string> {
  const server = await startServer();
  const results = new Map<Name, Result[]>(CONTENDERS.map((c) => [c.name, []]));
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const k = round % CONTENDERS.length;
      for (const c of [...CONTENDERS.slice(k), ...CONTENDERS.slice(0, k)]) results.get(c.name)?.push(await runWorker(c.name, server.url));
    }
  } finally {
    await server.close();
  }
  const rows = CONTENDERS.map((c) => {
    const rs = results.get(c.name) ?? [];
    const ms = median(rs.map((r) => r.ms));
    const mbps = c.bytes / 2 ** 20 / (ms / 1000);
    return `| ${c.label} | ${(c.bytes / 2 ** 20).toFixed(0)} MiB | ${mbps.toFixed(0)} MiB/s | ${median(rs.map((r) => r.startRss)).toFixed(0)} | ${median(rs.map((r) => r.peakRss)).toFixed(0)} |`;
  });
  return [
    `Generated bodies on loopback, read to the end by a fresh child process per run; medians of ${ROUNDS} interleaved rounds.`,
    "",
    "| reader | size | throughput | RSS at start (MiB) | peak RSS (MiB) |",
    "|---|---:|---:|---:|---:|",
    ...rows,
    "",
    "Flat memory means the peak stays near the start however large the body: nothing buffers the body, and the reader's pace holds the server back (backpressure).",
  ].join("\n");
}
