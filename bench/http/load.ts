/**
 * Closed-loop load: `concurrency` loops each send one request, await the
 * parsed body, and send the next, for a fixed time. Measures completed
 * requests, client CPU time (user + system) and per-request latency.
 */
import { performance } from "node:perf_hooks";

export interface LoadResult {
  requests: number;
  errors: number;
  firstError?: string;
  elapsedMs: number;
  /** Client process CPU time (user + system) during the run, in µs. */
  cpuUs: number;
  /** Of which system (kernel) time, µs. */
  systemUs: number;
  p50Ms: number;
  p99Ms: number;
}

/** Latency samples in a buffer allocated once, so recording allocates nothing per request. */
const samples = new Float64Array(1 << 21);

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

/** How long a run lasts: `durationMs`, or longer until `minRequests` completed (warm-up on a slow machine), but never past `maxMs`. */
export interface RunLength {
  durationMs: number;
  minRequests?: number;
  maxMs?: number;
}

export async function runLoad(call: () => Promise<unknown>, concurrency: number, length: RunLength): Promise<LoadResult> {
  let requests = 0;
  let errors = 0;
  let firstError: string | undefined;
  let timeUp = false;
  let stopped = false;
  const minRequests = length.minRequests ?? 0;
  const timer = setTimeout(() => {
    timeUp = true;
  }, length.durationMs);
  const cap = setTimeout(() => {
    stopped = true;
  }, length.maxMs ?? length.durationMs);

  async function loop(): Promise<void> {
    while (!stopped && !(timeUp && requests >= minRequests)) {
      const t0 = performance.now();
      try {
        await call();
        if (requests < samples.length) samples[requests] = performance.now() - t0;
        requests++;
      } catch (err) {
        errors++;
        firstError ??= String((err as Error)?.stack ?? err);
      }
    }
  }

  const cpu0 = process.cpuUsage();
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, loop));
  const elapsedMs = performance.now() - start;
  const cpu = process.cpuUsage(cpu0);
  clearTimeout(timer);
  clearTimeout(cap);

  const sorted = samples.subarray(0, Math.min(requests, samples.length)).sort();
  const result: LoadResult = {
    requests,
    errors,
    elapsedMs,
    cpuUs: cpu.user + cpu.system,
    systemUs: cpu.system,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
  };
  if (firstError !== undefined) result.firstError = firstError;
  return result;
}
