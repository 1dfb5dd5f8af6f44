/**
 * `npm run bench [--quick] [name...]`: runs each benchmark suite in bench/suites/ (or
 * the named ones) and writes bench/RESULTS.md with versions, machine and, for
 * each suite, its medians and ratios. `--quick` (or BENCH_QUICK=1): fewer and
 * shorter rounds in every suite, to check they run (the figures mean little). A suite is a module exporting
 * `title: string` and `run(): Promise<string>` (a markdown section).
 */
import { execSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
if (args.includes("--quick")) process.env.BENCH_QUICK = "1";
const wanted = args.filter((a) => a !== "--quick");
const files = readdirSync(join(here, "suites"))
  .filter((f) => f.endsWith(".ts"))
  .sort()
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.includes(w)));

function version(pkg: string): string {
  try {
    return JSON.parse(readFileSync(join(here, "..", "node_modules", pkg, "package.json"), "utf8")).version;
  } catch {
    return "n/a";
  }
}

// Sections of suites not run this time are kept from the previous RESULTS.md, so
// `npm run bench <name>` refreshes one suite without dropping the others.
const resultsPath = join(here, "RESULTS.md");
const previous = new Map<string, { section: string; ranAt: string; notes: string }>();
try {
  const old = readFileSync(resultsPath, "utf8");
  for (const part of old.split(/^(?=## )/m).slice(1)) {
    const m = /^_suite (\S+\.ts), run (\S+),.*$/m.exec(part);
    if (!m?.[1]) continue;
    // What follows the _suite line was written by hand about that run's figures.
    const notes = part.slice((m.index ?? 0) + m[0].length).trim();
    previous.set(m[1], { section: part.trimEnd(), ranAt: m[2] as string, notes });
  }
} catch {}

const cpu = os.cpus()[0]?.model ?? "unknown";
const machine = `${os.cpus().length} × ${cpu}`;
const STALE = /^_The notes below were written for the run of ([^\s;]+);?[^\n]*\n+/;

/** Hand-written notes of a rerun suite are kept, marked as being about an earlier run, not dropped unseen. */
function keptNotes(file: string): string {
  const old = previous.get(file);
  if (!old?.notes) return "";
  const ranAt = STALE.exec(old.notes)?.[1] ?? old.ranAt;
  console.log(`note: ${file}'s hand-written notes are about the run of ${ranAt}; update them for the new figures`);
  const notes = old.notes.replace(STALE, "");
  return `\n\n_The notes below were written for the run of ${ranAt}; the figures above are newer._\n\n${notes}`;
}

const fresh = new Map<string, string>();
for (const file of files) {
  const suite = (await import(join(here, "suites", file))) as { title: string; run(): Promise<string> };
  console.log(`\n== ${suite.title} (${file})`);
  const started = Date.now();
  const body = await suite.run();
  console.log(body);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  fresh.set(file, `## ${suite.title}\n\n${body.trim()}\n\n_suite ${file}, run ${new Date().toISOString()}, ${seconds} s, on ${machine}_${keptNotes(file)}`);
}
const allFiles = [...new Set([...previous.keys(), ...fresh.keys()])].sort();
const sections = allFiles.map((f) => fresh.get(f) ?? previous.get(f)?.section);

let redis = "n/a";
try {
  redis = execSync("redis-server --version", { encoding: "utf8" }).trim();
} catch {}
const deps = [
  "undici",
  "got",
  "ky",
  "axios",
  "ofetch",
  "bottleneck",
  "rate-limiter-flexible",
  "ioredis",
  "pg",
  "better-sqlite3",
  "stripe",
  "svix",
  "standardwebhooks",
  "@octokit/webhooks-methods",
];
const header = [
  "# Benchmark results",
  "",
  `Written by \`npm run bench\` (all suites) or \`npm run bench <suite>\` (one suite; the others keep their last figures). Each section says when it ran.`,
  "",
  `- Machine of the last run: ${machine}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()} (each section names the CPU it ran on, where it was recorded)`,
  `- Node ${process.version}; ${redis}`,
  `- Versions: ${deps.map((d) => `${d} ${version(d)}`).join(", ")}`,
  "",
  "Figures are medians of interleaved rounds; ratios are against the baseline named in each table.",
  ...(process.env.BENCH_QUICK === "1" ? ["", "**Quick run** (`--quick`): fewer, shorter rounds; the figures only show that each suite runs."] : []),
  "",
].join("\n");
writeFileSync(resultsPath, `${header}\n${sections.join("\n\n")}\n`);
console.log(`\nwrote ${resultsPath}`);
process.exit(0);
