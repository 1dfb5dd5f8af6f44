/**
 * Run length of the HTTP suite, from the environment:
 * - default: 5 rounds, 1.25 s measured per scenario after ≥ 1 s of warm-up (~3 min on a quiet 2-core machine)
 * - BENCH_QUICK=1: 2 rounds × 1 s
 * - BENCH_HTTP_ROUNDS, BENCH_HTTP_SECONDS, BENCH_HTTP_WARMUP_SECONDS, BENCH_HTTP_CONCURRENCY override those
 * - BENCH_HTTP_CONTENDERS=ballast,undici.request runs only those (the baseline is always added)
 */
import { BASELINE, CONTENDERS, type Contender, findContender } from "./contenders.js";

/** Warm-up lasts at least this many requests (up to 4× the warm-up time), so the JIT has settled even on a slow machine. */
export const WARMUP_REQUESTS = 10_000;

export interface Settings {
  rounds: number;
  durationMs: number;
  warmupMs: number;
  concurrency: number;
  contenders: Contender[];
}

function positive(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!(n > 0)) throw new Error(`${name} must be a positive number; got ${JSON.stringify(raw)}`);
  return n;
}

function chosenContenders(): Contender[] {
  const raw = process.env.BENCH_HTTP_CONTENDERS;
  if (raw === undefined || raw.trim() === "") return [...CONTENDERS];
  const names = new Set(raw.split(",").map((s) => s.trim()));
  names.add(BASELINE);
  for (const n of names) findContender(n);
  return CONTENDERS.filter((c) => names.has(c.name));
}

export function readSettings(): Settings {
  const quick = process.env.BENCH_QUICK === "1";
  return {
    rounds: Math.round(positive("BENCH_HTTP_ROUNDS", quick ? 2 : 5)),
    durationMs: positive("BENCH_HTTP_SECONDS", quick ? 1 : 1.25) * 1000,
    warmupMs: positive("BENCH_HTTP_WARMUP_SECONDS", quick ? 0.5 : 1) * 1000,
    concurrency: Math.round(positive("BENCH_HTTP_CONCURRENCY", 50)),
    contenders: chosenContenders(),
  };
}
