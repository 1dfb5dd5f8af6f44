/**
 * Load for the webhook receiver benchmark from wrk (C, Debian's `wrk`
 * package): a separate process that spends a few µs per request, so on a
 * 2-core machine the receiver, not the load, is what is measured. Node load
 * generators (even bench/webhooks/load-generator.ts on raw sockets) need
 * 30–40 µs per request and take the second core from the database.
 *
 * Every request is a unique signed event, written beforehand to a file that
 * bench/webhooks/wrk-requests.lua sends once each, in order; a receiver
 * answers a repeated event id 200 without storing it, so the script reports
 * when it ran out and had to repeat (the result is then marked).
 */
import { spawn, spawnSync } from "node:child_process";
import { closeSync, openSync, writeSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { signedRequest } from "./load-generator.js";

const SCRIPT = fileURLToPath(new URL("./wrk-requests.lua", import.meta.url));
const NUL = Buffer.from([0]);

/** wrk's version line, or undefined when wrk is not installed. */
export function wrkVersion(): string | undefined {
  const r = spawnSync("wrk", ["--version"], { encoding: "utf8" });
  if (r.error) return undefined;
  return /wrk \S+/.exec(`${r.stdout}${r.stderr}`)?.[0] ?? "wrk";
}

/** Writes `count` unique signed events (ids `evt_<prefix>_<n>`, `Host: host`) to `file`, NUL-separated. */
export function writeRequests(file: string, host: string, secret: string, count: number, prefix: string): void {
  const fd = openSync(file, "w");
  try {
    for (let i = 0; i < count; i++) {
      writeSync(fd, signedRequest(host, secret, `evt_${prefix}_${i}`));
      writeSync(fd, NUL);
    }
  } finally {
    closeSync(fd);
  }
}

export interface WrkResult {
  requests: number;
  durationUs: number;
  /** Answers other than 2xx/3xx. */
  non2xx: number;
  socketErrors: number;
  p50Us: number;
  p99Us: number;
  /** Times the script ran out of unique events and started again (then duplicates were sent). */
  wrapped: number;
  /** Paced runs: sends more than 1 ms behind their slot (no connection was free), and the latest, ms. */
  late: number;
  maxLateMs: number;
}

/**
 * Runs wrk for `seconds` against `url` with `connections` keep-alive
 * connections (one request in flight each, one thread), sending the events
 * in `file` (wrk's own clock includes loading the file: count the rate at the receiver).
 * With `rate` (requests/s) the sends are paced to that fixed rate instead of
 * each connection sending again as soon as its answer arrives.
 */
export function runWrk(url: string, file: string, connections: number, seconds: number, rate?: number): Promise<WrkResult> {
  return new Promise((resolve, reject) => {
    const child = spawn("wrk", ["-t1", `-c${connections}`, `-d${seconds}s`, "--timeout", "10s", "-s", SCRIPT, url], {
      env: { ...process.env, BALLAST_WRK_REQUESTS: file, ...(rate !== undefined && { BALLAST_WRK_RATE: String(rate) }) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => {
      out += c;
    });
    child.stderr.on("data", (c: Buffer) => {
      err += c;
    });
    child.once("error", reject);
    child.once("exit", (code) => {
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (code !== 0 || !line) reject(new Error(`wrk exited with ${code}: ${err || out}`));
      else resolve(JSON.parse(line) as WrkResult);
    });
  });
}
