/**
 * `npm run bench soak`: the call-unit soak at 10,000 calls (client and server
 * in this process), then goodput under faults in the HTTP suite's setup:
 * ballast compiled, the fault server (bench/soak/fault-server.ts) in its own
 * process on one core, each run a fresh client process on the other
 * (bench/soak/goodput-worker.ts), paired rounds of fault-free and faulted runs.
 * SOAK_CALLS, GOODPUT_ROUNDS, GOODPUT_SECONDS and GOODPUT_WARMUP_SECONDS
 * override the sizes.
 */
import { loadavg } from "node:os";
import { compileBallast } from "../http/compile-ballast.js";
import { detectPinning, type Pinning, runClient, startServer } from "../http/processes.js";
import type { ConnectFloorConfig, ConnectFloorResult } from "../soak/connect-floor.js";
import type { GoodputConfig, GoodputResult } from "../soak/goodput-worker.js";
import { type GoodputFaults, runSoak } from "../soak/soak.js";

export const title = "Soak: 10,000 calls, ~20 % of attempts failing; goodput under faults";

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

const load = () =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(" / ");

const sum = (xs: GoodputResult[], f: (x: GoodputResult) => number) => xs.reduce((n, x) => n + f(x), 0);

type GoodputClient = NonNullable<GoodputConfig["client"]>;

/** Each round's runs, in the order of the table: which client, which faults; a client's ratios are against its own fault-free run. */
const RUNS: ReadonlyArray<{ client: GoodputClient; faults: GoodputFaults; label: string }> = [
  { client: "ballast", faults: "none", label: "fault-free" },
  { client: "ballast", faults: "all", label: "~20 % of attempts faulted (the target's run)" },
  { client: "ballast", faults: "status", label: "~20 % status faults only (500, 503, 429 `Retry-After: 0`)" },
  { client: "ballast", faults: "connection", label: "~20 % connection faults only (resets, cut bodies)" },
  { client: "undici", faults: "none", label: "undici.request + a minimal retry loop: fault-free" },
  { client: "undici", faults: "all", label: "undici.request + a minimal retry loop: ~20 % faulted (the target's mix)" },
  { client: "undici", faults: "connection", label: "undici.request + a minimal retry loop: ~20 % connection faults only" },
];
const runKey = (client: GoodputClient, faults: GoodputFaults) => `${client} ${faults}`;

/** One run: a fresh fault server seeded `seed`, a fresh client process against it. */
async function runOnce(pinning: Pinning, faults: GoodputFaults, seed: number, config: Omit<GoodputConfig, "baseUrl" | "seed">): Promise<GoodputResult> {
  const server = await startServer(pinning, "../soak/fault-server.ts", [JSON.stringify({ seed, faults })]);
  try {
    return await runClient<GoodputResult>(
      pinning,
      "../soak/goodput-worker.ts",
      { ...config, baseUrl: server.baseUrl, seed },
      `goodput (${config.client} ${faults})`,
    );
  } finally {
    server.stop();
  }
}

/** The connect floor (bench/soak/connect-floor.ts) against a fresh fault-free server. */
async function connectFloor(pinning: Pinning, config: Omit<ConnectFloorConfig, "baseUrl">): Promise<ConnectFloorResult> {
  const server = await startServer(pinning, "../soak/fault-server.ts", [JSON.stringify({ seed: 1, faults: "none" })]);
  try {
    return await runClient<ConnectFloorResult>(pinning, "../soak/connect-floor.ts", { ...config, baseUrl: server.baseUrl }, "connect floor");
  } finally {
    server.stop();
  }
}

/** Paired rounds: every kind of run once per round, in a rotated order; ratios are each round's faulted ÷ fault-free. */
async function goodput(): Promise<string> {
  const quick = process.env.BENCH_QUICK === "1";
  const rounds = Number(process.env.GOODPUT_ROUNDS ?? (quick ? 2 : 5));
  const durationMs = Number(process.env.GOODPUT_SECONDS ?? (quick ? 1 : 2)) * 1000;
  const warmupMs = Number(process.env.GOODPUT_WARMUP_SECONDS ?? (quick ? 0.5 : 1)) * 1000;
  const concurrency = 50;
  const pinning = detectPinning();
  const loadBefore = load();
  const ballastSrc = compileBallast();
  const runs = new Map<string, GoodputResult[]>(RUNS.map((x) => [runKey(x.client, x.faults), []]));
  const floors: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const k = r % RUNS.length;
    for (const { client, faults } of [...RUNS.slice(k), ...RUNS.slice(0, k)]) {
      const result = await runOnce(pinning, faults, r + 1, { ballastSrc, concurrency, warmupMs, durationMs, client });
      runs.get(runKey(client, faults))?.push(result);
      console.error(`round ${r + 1}/${rounds} ${client} ${faults}: ${Math.round((result.ok / result.elapsedMs) * 1000)} calls/s, ${result.failed} failed`);
    }
    const floor = await connectFloor(pinning, { concurrency, warmupMs, durationMs });
    floors.push(floor.cpuUsPerConnection);
    console.error(`round ${r + 1}/${rounds} connect floor: ${floor.cpuUsPerConnection.toFixed(1)} µs per connection (${floor.connections})`);
  }
  const rate = (x: GoodputResult) => (x.ok / x.elapsedMs) * 1000;
  const of = (client: GoodputClient, faults: GoodputFaults) => runs.get(runKey(client, faults)) ?? [];
  /** Per round: `client`'s goodput under `faults` ÷ `against`'s in the same round. */
  const paired = (client: GoodputClient, faults: GoodputFaults, against: GoodputResult[]) =>
    of(client, faults).map((x, i) => rate(x) / rate(against[i] as GoodputResult));
  const ratios = (client: GoodputClient, faults: GoodputFaults) => paired(client, faults, of(client, "none"));
  const rows = RUNS.map(({ client, faults: kind, label }) => {
    const xs = of(client, kind);
    const attempts = sum(xs, (x) => x.attempts);
    const per = perCall(xs);
    const faulted = ((attempts - sum(xs, (x) => x.faults.none ?? 0)) / attempts) * 100;
    const perRound = ratios(client, kind).map((x) => x.toFixed(2));
    const ratio = kind === "none" ? "1.00" : `${median(ratios(client, kind)).toFixed(2)}× (${perRound.join(", ")})`;
    const cells = [
      label,
      `${faulted.toFixed(1)} %`,
      Math.round(median(xs.map(rate))).toLocaleString("en-US"),
      ratio,
      per.attempts.toFixed(2),
      per.cpuUs.toFixed(0),
      `${median(xs.map((x) => x.p50Ms)).toFixed(1)} / ${median(xs.map((x) => x.p99Ms)).toFixed(1)}`,
      `${Math.round(median(xs.map((x) => x.cpuUs / 1000 / x.elapsedMs)) * 100)} %`,
      `${Math.round(median(xs.map((x) => x.serverBusy)) * 100)} %`,
      sum(xs, (x) => x.failed),
    ];
    return `| ${cells.join(" | ")} |`;
  });
  const all = of("ballast", "all");
  const mix = Object.entries(
    all.reduce<Record<string, number>>((acc, x) => {
      for (const [f, n] of Object.entries(x.faults)) if (f !== "none") acc[f] = (acc[f] ?? 0) + n;
      return acc;
    }, {}),
  )
    .map(([f, n]) => `${f === "429zero" ? "429 Retry-After: 0" : f} ${n}`)
    .join(", ");
  const failed = [...runs.values()].flat().filter((x) => x.failed > 0);
  const ratio = median(ratios("ballast", "all"));
  const vsRaw = paired("ballast", "all", of("undici", "all"));
  const rawRatio = median(ratios("undici", "all"));
  const met = ratio >= 0.75 && failed.length === 0;
  const budget = connectionFaultBudget(of("ballast", "none"), all);
  const ballastCost = connectionFaultCost(of("ballast", "none"), of("ballast", "connection"));
  const transportCost = connectionFaultCost(of("undici", "none"), of("undici", "connection"));
  return [
    `${rounds} rounds; in each, ${RUNS.length} runs in a rotated order, each a fresh fault server (seeded with the round number) in its own process and a fresh client process: ≥ ${warmupMs / 1000} s warm-up (at least 10,000 calls unless that takes 4× as long), then ${durationMs / 1000} s measured. The setup of the HTTP suite: ballast's src/ compiled to JavaScript as the package ships, server and client on separate cores (${pinning.note}).`,
    `Idempotent calls, half GETs (~0.6 KB JSON), half keyed POSTs, ${concurrency} in flight; the client retries up to 10 times with a 1 ms backoff base (the server recovers at once; the default 200 ms base would measure the backoff policy, not the client). Goodput: successful calls per second; ratios are paired, each round's run ÷ that round's fault-free run, median and (per round). The undici rows are the transport alone under the same faults, with the least retry loop a hand-written client has (up to 10 attempts on errors, 5xx and 429, full-jitter backoff from 1 ms; same connection settings as ballast's): what any client on this transport and machine can reach. Client CPU µs per successful call shows what handling the faults costs the client; p50 / p99: latency of a successful call, retries included; client busy and server busy: each process's CPU ÷ wall time (100 % = its core saturated).`,
    `Faults of the target's run: ${mix}. Load average (1/5/15 min) before: ${loadBefore}; after: ${load()}.`,
    "",
    "| run | attempts faulted | calls/s (median) | × fault-free | attempts per call | client CPU µs / call | p50 / p99 ms | client busy | server busy | failed calls |",
    "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ...rows,
    "",
    `Goodput under faults: ${ratio.toFixed(2)}× fault-free; undici.request with a minimal retry loop under the same faults: ${rawRatio.toFixed(2)}× its own fault-free run; ballast's goodput under the target's faults ÷ undici's in the same round: ${median(vsRaw).toFixed(2)}× (${vsRaw.map((x) => x.toFixed(2)).join(", ")}). Target (≥ 0.75× with every idempotent call succeeding): **${met ? "met" : "NOT met"}**.${
      failed.length > 0 ? ` First failure: ${failed[0]?.firstError?.split("\n")[0]}` : ""
    }`,
    "",
    `What the target leaves a connection fault on this machine, with the client's core the bound (client busy above): ballast's fault-free call costs ${budget.callUs.toFixed(0)} µs of client CPU; the target's run makes ${budget.attempts.toFixed(2)} attempts and ${budget.connectionFaults.toFixed(3)} connection faults (resets, cut bodies: each ends its connection) per call. At 0.75× the fault-free rate a call may cost ${(budget.callUs / 0.75).toFixed(0)} µs. ` +
      `With every attempt at the fault-free price, that leaves **${budget.perConnectionFaultUs.toFixed(0)} µs per connection fault** for opening the next connection and closing the dead one; ${budget.generousUs.toFixed(0)} µs even if an attempt a connection fault ends cost nothing but its connection. ` +
      `What a connection fault cost in the connection-faults-only runs (client CPU per call beyond its attempts at the fault-free price, per connection fault): ballast ${ballastCost.toFixed(0)} µs, undici.request alone ${transportCost.toFixed(0)} µs; of that, opening and resetting a bare loopback connection with node:net (no HTTP, no pool, no error objects; ${concurrency} loops; bench/soak/connect-floor.ts, median of the rounds) costs ${median(floors).toFixed(0)} µs (${floors.map((x) => x.toFixed(0)).join(", ")}). ${
        transportCost > budget.generousUs
          ? `The transport alone spends ${(transportCost / budget.generousUs).toFixed(1)}× the most the target leaves on each connection fault, so no client on it reaches 0.75× here.`
          : "The transport alone spends no more than the target leaves on a connection fault."
      }`,
  ].join("\n");
}

/** Over some runs: client CPU per successful call (µs), and attempts and connection faults (resets, cut bodies) per call. */
function perCall(xs: GoodputResult[]) {
  const ok = sum(xs, (x) => x.ok);
  const calls = Math.max(
    1,
    sum(xs, (x) => x.ok + x.failed),
  );
  return {
    cpuUs: sum(xs, (x) => x.cpuUs) / Math.max(1, ok),
    attempts: sum(xs, (x) => x.attempts) / calls,
    connectionFaults: sum(xs, (x) => (x.faults.reset ?? 0) + (x.faults.cut ?? 0)) / calls,
  };
}

/**
 * The client CPU the 0.75× target leaves each connection fault, if the client's core is the bound: with every
 * attempt at the fault-free price, (fault-free µs ÷ 0.75 − attempts per call × fault-free µs) ÷ connection faults
 * per call; `generousUs` charges the attempts that a connection fault ends nothing.
 */
function connectionFaultBudget(faultFree: GoodputResult[], faulted: GoodputResult[]) {
  const free = perCall(faultFree);
  const run = perCall(faulted);
  const per = (attemptsCharged: number) => (free.cpuUs / 0.75 - attemptsCharged * free.cpuUs) / Math.max(1e-9, run.connectionFaults);
  return { callUs: free.cpuUs, ...run, perConnectionFaultUs: per(run.attempts), generousUs: per(run.attempts - run.connectionFaults) };
}

/** What a connection fault cost a client in runs with only those: its CPU per call beyond its attempts at the fault-free price, per connection fault. */
function connectionFaultCost(faultFree: GoodputResult[], connectionOnly: GoodputResult[]): number {
  const free = perCall(faultFree);
  const run = perCall(connectionOnly);
  return (run.cpuUs - run.attempts * free.cpuUs) / Math.max(1e-9, run.connectionFaults);
}

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
    "",
    "### Goodput under faults",
    "",
    await goodput(),
  ].join("\n");
}
