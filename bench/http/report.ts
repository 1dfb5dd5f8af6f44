/**
 * Turns the rounds of worker results into the suite's markdown: one table per
 * scenario with medians over rounds, ratios to the baseline, and the target
 * lines of issue 2. Ratios are paired: the median over rounds of (this
 * contender ÷ the other in the same round), which cancels much of the drift
 * of a shared machine between rounds.
 */
import type { Contender } from "./contenders.js";
import type { Scenario, ScenarioResult } from "./worker.js";

export interface RoundResult extends ScenarioResult {
  round: number;
}

/** Every round's result of one contender in one scenario, or why it failed. */
export interface Samples {
  contender: Contender;
  version: string;
  results: Map<Scenario, RoundResult[]>;
  failures: string[];
}

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const rps = (r: ScenarioResult) => (r.requests / r.elapsedMs) * 1000;
const cpuPerRequest = (r: ScenarioResult) => r.cpuUs / r.requests;

/** Median over the rounds both ran of metric(a) ÷ metric(b). */
function pairedRatio(a: RoundResult[], b: RoundResult[], metric: (r: ScenarioResult) => number): number {
  const ratios: number[] = [];
  for (const x of a) {
    const y = b.find((r) => r.round === x.round);
    if (y !== undefined) ratios.push(metric(x) / metric(y));
  }
  return median(ratios);
}

interface Row {
  name: string;
  version: string;
  peer: boolean;
  results: RoundResult[];
  rps: number;
  cpuUs: number;
  p50: number;
  p99: number;
  serverBusy: number;
  otherBusy: number;
  errors: number;
}

function toRow(s: Samples, scenario: Scenario): Row {
  const rs = s.results.get(scenario) ?? [];
  return {
    name: s.contender.name,
    version: s.version,
    peer: s.contender.peer,
    results: rs,
    rps: median(rs.map(rps)),
    cpuUs: median(rs.map(cpuPerRequest)),
    p50: median(rs.map((r) => r.p50Ms)),
    p99: median(rs.map((r) => r.p99Ms)),
    serverBusy: median(rs.map((r) => r.serverBusy)),
    otherBusy: median(rs.map((r) => r.otherBusy)),
    errors: rs.reduce((n, r) => n + r.errors, 0),
  };
}

const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "–");
const fixed = (n: number, d: number) => (Number.isFinite(n) ? n.toFixed(d) : "–");
const times = (n: number) => (Number.isFinite(n) ? `${n.toFixed(2)}×` : "–");

function table(rows: Row[], base: Row): string {
  const lines = [
    `| contender | version | req/s | req/s × ${base.name} | CPU µs/req | CPU × ${base.name} | p50 ms | p99 ms | server CPU | other load | errors |`,
    "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
  ];
  for (const r of rows) {
    const name = r.name === "ballast" ? "**ballast**" : r.name;
    const rpsRatio = pairedRatio(r.results, base.results, rps);
    const cpuRatio = pairedRatio(r.results, base.results, cpuPerRequest);
    lines.push(
      `| ${name} | ${r.version} | ${int(r.rps)} | ${times(rpsRatio)} | ${fixed(r.cpuUs, 1)} | ${times(cpuRatio)} | ${fixed(r.p50, 2)} | ${fixed(r.p99, 2)} | ${fixed(r.serverBusy * 100, 0)} % | ${fixed(r.otherBusy * 100, 0)} % | ${r.errors} |`,
    );
  }
  return lines.join("\n");
}

const verdict = (ok: boolean) => (ok ? "**met**" : "**not met**");

/** The targets, on throughput and, as a second reading, on client CPU per request. */
function targets(rows: Row[], base: Row): string {
  const ballast = rows.find((r) => r.name === "ballast");
  if (ballast === undefined || ballast.results.length === 0) return "Target: ballast did not run.";
  const peers = rows.filter((r) => r.peer && r.results.length > 0);
  // Both read as "ballast is N× better than X", so higher is better and the targets are lower bounds.
  const faster = (other: Row) => pairedRatio(ballast.results, other.results, rps);
  const leaner = (other: Row) => pairedRatio(other.results, ballast.results, cpuPerRequest);
  const worst = (score: (r: Row) => number) => peers.reduce<Row | undefined>((w, r) => (w === undefined || score(r) < score(w) ? r : w), undefined);
  const out = [
    `Target: ballast ≥ 0.90 × ${base.name} and ≥ 2.5 × each peer library (${peers.map((p) => p.name).join(", ")}); ratios are paired per round.`,
    `- req/s vs ${base.name}: ${faster(base).toFixed(2)}× — ${verdict(faster(base) >= 0.9)}`,
  ];
  const slowPeer = worst(faster);
  if (slowPeer !== undefined) out.push(`- req/s vs peers: lowest ${faster(slowPeer).toFixed(2)}× (${slowPeer.name}) — ${verdict(faster(slowPeer) >= 2.5)}`);
  out.push(`- CPU per request, as efficiency (${base.name} µs ÷ ballast µs): ${leaner(base).toFixed(2)}× — ${verdict(leaner(base) >= 0.9)}`);
  const leanPeer = worst(leaner);
  if (leanPeer !== undefined)
    out.push(`- CPU efficiency vs peers: lowest ${leaner(leanPeer).toFixed(2)}× (${leanPeer.name}) — ${verdict(leaner(leanPeer) >= 2.5)}`);
  const full = rows.find((r) => r.name === "ballast (full pipeline)");
  if (full !== undefined && full.results.length > 0) {
    // The production pipeline's targets: ≥ 0.90× the baseline's req/s, CPU per request within 1.15× of it.
    const fullRps = pairedRatio(full.results, base.results, rps);
    const fullCpu = pairedRatio(full.results, base.results, cpuPerRequest);
    out.push(`- full pipeline (rate limit ×2, breaker, concurrency, stats) req/s vs ${base.name}: ${fullRps.toFixed(2)}× — ${verdict(fullRps >= 0.9)}`);
    out.push(`- full pipeline CPU per request ÷ ${base.name}'s: ${fullCpu.toFixed(2)}× — ${verdict(fullCpu <= 1.15)}`);
  }
  return out.join("\n");
}

export function renderScenario(samples: Samples[], scenario: Scenario, baseline: string): string {
  const rows = samples.map((s) => toRow(s, scenario));
  const base = rows.find((r) => r.name === baseline);
  if (base === undefined || base.results.length === 0) return `### ${scenario}\n\nThe baseline ${baseline} did not run; no ratios.`;
  return `### ${scenario}\n\n${table(rows, base)}\n\n${targets(rows, base)}`;
}

export function renderFailures(samples: Samples[]): string {
  const lines = samples.flatMap((s) => s.failures.map((f) => `- ${s.contender.name}: ${f.split("\n")[0]}`));
  return lines.length === 0 ? "" : `Failed runs (left out of the medians):\n\n${lines.join("\n")}`;
}
