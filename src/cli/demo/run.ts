/**
 * The ballast demo: real HTTP servers on loopback that misbehave the way
 * production APIs do, and ballast getting every call, page and webhook right
 * anyway. `ballast demo`, or `npm run demo` from a checkout. Exits 1 if any
 * side effect happened twice or any acknowledged webhook was not processed.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { collectLiveStats } from "../../dashboard/live-stats.js";
import { createApiSimulator } from "../../testing/index.js";
import { line, type Output, processOutput } from "../output.js";
import { paymentsUnderFaults } from "./calls.js";
import { paginatedExport } from "./export.js";
import { Tally } from "./tally.js";
import { signedWebhooks } from "./webhooks.js";

/** Runs the three acts and prints the closing table; resolves to the exit code (0, or 1 on a duplicate or a lost webhook). */
export async function runDemo(output: Output = processOutput): Promise<number> {
  const started = performance.now();
  const tally = new Tally();
  const say = (text: string) => line(output.stdout, `  ${text}`);
  const dir = mkdtempSync(join(tmpdir(), "ballast-demo-"));
  // Every client call's API latency and queue time, from the channels, for the closing table.
  const calls = collectLiveStats();
  try {
    line(output.stdout, "ballast demo: real servers on 127.0.0.1 that fail the way production APIs do\n");

    line(output.stdout, "1. Payments under faults (connections lost after charging, 503s, 429s), every POST with an idempotency key");
    const payments = await createApiSimulator({ log: true });
    try {
      await paymentsUnderFaults(payments, tally, say);
    } finally {
      await payments.close();
    }

    line(output.stdout, "\n2. A paginated export through the same pipeline, under the server's rate limit");
    const api = await createApiSimulator();
    try {
      await paginatedExport(api, join(dir, "customers.jsonl"), tally, output, say);
    } finally {
      await api.close();
    }

    line(output.stdout, "\n3. Signed webhooks into a SQLite inbox, processed by a worker");
    await signedWebhooks(join(dir, "inbox.db"), tally, say);

    tally.clientTimes = calls.snapshot();
    line(output.stdout, "\nSummary");
    for (const row of tally.render().split("\n")) line(output.stdout, `  ${row}`);
    const failures = tally.failures();
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    if (failures.length > 0) {
      for (const f of failures) line(output.stderr, `FAILED: ${f}`);
      return 1;
    }
    line(output.stdout, `\nno duplicated side effects, every acknowledged webhook processed (${seconds} s)`);
    return 0;
  } finally {
    calls.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
