/**
 * Issue 6: paginate 100,000 items (1,000 pages of 100) from the API simulator
 * on loopback, item by item, with ballast's `client.paginate()` (full default
 * pipeline: retry, timeouts, stats) against got's `paginate` and octokit's
 * `paginate.iterator` on the same server. Each run is a fresh child process
 * (so peak RSS is that client's alone); rounds interleave the contenders and
 * the table shows medians. Run: `npm run bench pagination`.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

export const title = "Pagination: 100,000 items over 1,000 pages";

const ITEMS = 100_000;
const PAGE = 100;
const ROUNDS = process.env.BENCH_QUICK === "1" ? 1 : 3;

interface Result {
  items: number;
  ms: number;
  /** Peak resident set of the worker process, MiB. */
  peakRss: number;
  /** RSS just before paginating (runtime + libraries loaded), MiB. */
  startRss: number;
}

type Name = "got" | "octokit" | "ballast-cursor" | "ballast-link";
const CONTENDERS: Array<{ name: Name; label: string }> = [
  { name: "got", label: "got 14 `paginate` (cursor, JSON body)" },
  { name: "octokit", label: "octokit `paginate.iterator` (Link header)" },
  { name: "ballast-cursor", label: "ballast `client.paginate` + `cursor()`" },
  { name: "ballast-link", label: "ballast `client.paginate` + `linkHeader()`" },
];

// ---------------------------------------------------------------- worker side

async function countItems(name: Name, base: string): Promise<number> {
  let n = 0;
  if (name === "got") {
    const { got } = await import("got");
    type Body = { data: unknown[]; next_cursor: string | null };
    const items = got.paginate<unknown, Body>(`${base}/cursor`, {
      searchParams: { limit: PAGE },
      responseType: "json",
      pagination: {
        transform: (res) => res.body.data,
        paginate: ({ response }) => (response.body.next_cursor ? { searchParams: { limit: PAGE, cursor: response.body.next_cursor } } : false),
        requestLimit: 100_000,
      },
    });
    for await (const _ of items) n++;
  } else if (name === "octokit") {
    const { Octokit } = await import("@octokit/core");
    const { paginateRest } = await import("@octokit/plugin-paginate-rest");
    const octokit = new (Octokit.plugin(paginateRest))({ baseUrl: base });
    for await (const res of octokit.paginate.iterator("GET /link", { per_page: PAGE })) {
      for (const _ of res.data as unknown[]) n++;
    }
  } else {
    const { createClient } = await import("../../src/client/create-client.js");
    const { cursor, linkHeader } = await import("../../src/pagination/index.js");
    const client = createClient({ baseUrl: base });
    const it =
      name === "ballast-cursor"
        ? client.paginate("/cursor", { strategy: cursor({ limit: PAGE }) })
        : client.paginate("/link", { strategy: linkHeader(), query: { per_page: PAGE } });
    for await (const _ of it) n++;
    await client.close();
  }
  return n;
}

async function worker(name: Name, base: string): Promise<void> {
  // Load everything first, so startRss shows the libraries' own weight.
  await countItems(name, base).catch(() => 0);
  const startRss = process.memoryUsage().rss / 2 ** 20;
  const t0 = performance.now();
  const items = await countItems(name, base);
  const ms = performance.now() - t0;
  const peakRss = (process.resourceUsage().maxRSS * 1024) / 2 ** 20;
  process.stdout.write(JSON.stringify({ items, ms, peakRss, startRss } satisfies Result));
}

if (process.argv[2] === "--worker") {
  await worker(process.argv[3] as Name, process.argv[4] as string);
}

// ---------------------------------------------------------------- parent side

function runWorker(name: Name, base: string): Promise<Result> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), "--worker", name, base], { maxBuffer: 1 << 20 }, (err, stdout) => {
      if (err) return reject(err);
      resolve(JSON.parse(stdout) as Result);
    });
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};

export async function run(): Promise<string> {
  const { createApiSimulator } = await import("../../src/testing/index.js");
  const sim = await createApiSimulator({ log: false });
  const items = Array.from({ length: ITEMS }, (_, i) => ({ id: i + 1, login: `user${i + 1}`, name: `User ${i + 1}`, active: i % 3 !== 0 }));
  sim.collection("/cursor", items, { style: "cursor", pageSize: PAGE });
  sim.collection("/link", items, { style: "link", pageSize: PAGE });
  const results = new Map<Name, Result[]>(CONTENDERS.map((c) => [c.name, []]));
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const order = [...CONTENDERS.slice(round % CONTENDERS.length), ...CONTENDERS.slice(0, round % CONTENDERS.length)];
      for (const c of order) {
        const r = await runWorker(c.name, sim.url);
        if (r.items !== ITEMS) throw new Error(`${c.name} yielded ${r.items} items, expected ${ITEMS}`);
        results.get(c.name)?.push(r);
      }
    }
  } finally {
    await sim.close();
  }
  const base = median((results.get("got") ?? []).map((r) => ITEMS / (r.ms / 1000)));
  const rows = CONTENDERS.map((c) => {
    const rs = results.get(c.name) ?? [];
    const rate = median(rs.map((r) => ITEMS / (r.ms / 1000)));
    const peak = median(rs.map((r) => r.peakRss));
    const start = median(rs.map((r) => r.startRss));
    return `| ${c.label} | ${Math.round(rate).toLocaleString("en")} | ${(rate / base).toFixed(2)}× | ${median(rs.map((r) => r.ms)).toFixed(0)} | ${start.toFixed(0)} | ${peak.toFixed(0)} |`;
  });
  return [
    `${ITEMS.toLocaleString("en")} items, ${ITEMS / PAGE} pages of ${PAGE}, one request at a time, simulator in the parent process, each run a fresh child process; medians of ${ROUNDS} interleaved rounds. Baseline: got.`,
    "",
    "| client | items/s | vs got | ms | RSS before (MiB) | peak RSS (MiB) |",
    "|---|---:|---:|---:|---:|---:|",
    ...rows,
    "",
    "Peak RSS is the whole worker process (runtime and libraries included); compare it with the RSS before paginating: the difference is what paginating cost. ballast runs its full default pipeline (retry, timeouts, per-route stats) on every page.",
  ].join("\n");
}
