/**
 * Turns the rounds of worker results into the suite's markdown: one table per
 * scenario with medians over rounds and ratios to the baseline, and the
 * target lines of issue 2.
 */
import type { Contender } from "./contenders.js";
import type { Scenario, ScenarioResult } from "./worker.js";

/** Every round's result of one contender in one scenario, or why it failed. */
export interface Samples {
  contender: Contender;
  version: string;
  results: Map<Scenario, ScenarioResult[]>;
  failures: string[];
}

interface Row {
  name: string;
  version: string;
  peer: boolean;
  rps: number;
  cpuUs: number;
  p50: number;
  p99: number;
  serverBusy: number;
  otherBusy: number;
  errors: number;
  rounds: number;
}

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function toRow(s: Samples, scenario: Scenario): Row {
  const rs = s.results.get(scenario) ?? [];
  return {
    name: s.contender.name,
    version: s.version,
    peer: s.contender.peer,
    rps: median(rs.map((r) => (r.requests / r.elapsedMs) * 1000)),
    cpuUs: median(rs.map((r) => r.cpuUs / r.requests)),
    p50: median(rs.map((r) => r.p50Ms)),
    p99: median(rs.map((r) => r.p99Ms)),
    serverBusy: median(rs.map((r) => r.serverBusy)),
    otherBusy: median(rs.map((r) => r.otherBusy)),
    errors: rs.reduce((n, r) => n + r.errors, 0),
    rounds: rs.length,
  };
}

const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "–");
const fixed = (n: number, d: number) => (Number.isFinite(n) ? n.toFixed(d) : "–");
const times = (n: number) => (Number.isFinite(n) ? `${n.toFixed(2)}×` : "–");

function table(rows: Row[], base: Row): string {
  const lines = [
    "| contender | version | req/s | × undici.request | CPU µs/req | CPU × undici.request | p50 ms | p99 ms | server CPU | other load | errors |",
    "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
  ];
  for (const r of rows) {
    const name = r.name === "ballast" ? "**ballast**" : r.name;
    lines.push(
      `| ${name} | ${r.version} | ${int(r.rps)} | ${times(r.rps / base.rps)} | ${fixed(r.cpuUs, 1)} | ${times(r.cpuUs / base.cpuUs)} | ${fixed(r.p50, 2)} | ${fixed(r.p99, 2)} | ${fixed(r.serverBusy * 100, 0)} % | ${fixed(r.otherBusy * 100, 0)} % | ${r.errors} |`,
    );
  }
  return lines.join("\n");
}

const verdict = (ok: boolean) => (ok ? "**met**" : "**not met**");

/** The targets, on throughput and, as a second reading, on client CPU per request. */
function targets(rows: Row[], base: Row): string {
  const ballast = rows.find((r) => r.name === "ballast");
  if (ballast === undefined || !Number.isFinite(ballast.rps)) return "Target: ballast did not run.";
  const peers = rows.filter((r) => r.peer && Number.isFinite(r.rps));
  const vsBase = ballast.rps / base.rps;
  const cpuVsBase = base.cpuUs / ballast.cpuUs;
  const slowest = (key: (r: Row) => number) => peers.reduce<Row | undefined>((worst, r) => (worst === undefined || key(r) < key(worst) ? r : worst), undefined);
  const rpsPeer = slowest((r) => ballast.rps / r.rps);
  const cpuPeer = slowest((r) => r.cpuUs / ballast.cpuUs);
  const out = [
    `Target: ballast ≥ 0.90 × undici.request and ≥ 2.5 × each peer (${peers.map((p) => p.name).join(", ")}).`,
    `- req/s vs undici.request: ${vsBase.toFixed(2)}× — ${verdict(vsBase >= 0.9)}`,
  ];
  if (rpsPeer !== undefined)
    out.push(`- req/s vs peers: lowest ${(ballast.rps / rpsPeer.rps).toFixed(2)}× (${rpsPeer.name}) — ${verdict(ballast.rps / rpsPeer.rps >= 2.5)}`);
  out.push(`- CPU per request, as efficiency (baseline µs ÷ ballast µs): ${cpuVsBase.toFixed(2)}× undici.request — ${verdict(cpuVsBase >= 0.9)}`);
  if (cpuPeer !== undefined)
    out.push(
      `- CPU per request vs peers: lowest ${(cpuPeer.cpuUs / ballast.cpuUs).toFixed(2)}× (${cpuPeer.name}) — ${verdict(cpuPeer.cpuUs / ballast.cpuUs >= 2.5)}`,
    );
  return out.join("\n");
}

export function renderScenario(samples: Samples[], scenario: Scenario, baseline: string): string {
  const rows = samples.map((s) => toRow(s, scenario));
  const base = rows.find((r) => r.name === baseline);
  if (base === undefined || !Number.isFinite(base.rps)) return `### ${scenario}\n\nThe baseline ${baseline} did not run; no ratios.`;
  return `### ${scenario}\n\n${table(rows, base)}\n\n${targets(rows, base)}`;
}

export function renderFailures(samples: Samples[]): string {
  const lines = samples.flatMap((s) => s.failures.map((f) => `- ${s.contender.name}: ${f.split("\n")[0]}`));
  return lines.length === 0 ? "" : `Failed runs (left out of the medians):\n\n${lines.join("\n")}`;
}
