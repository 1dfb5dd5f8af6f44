import { loadavg } from "node:os";

/** "1.23 / 1.05 / 0.98": the 1, 5 and 15 minute load averages. */
export function loadAverage(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(" / ");
}

/** Runs a scaling suite's body between two readings of the load average, and heads its section with both. */
export async function withLoadAverage(body: () => Promise<string>): Promise<string> {
  const before = loadAverage();
  const text = await body();
  return [
    `Load average (1/5/15 min) before: ${before}; after: ${loadAverage()} (2 cores; other work on the machine competes with every figure).`,
    "",
    text,
  ].join("\n");
}
