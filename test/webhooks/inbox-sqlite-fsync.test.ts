import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

/**
 * What "durable" means for sqliteInbox, checked on the real system calls: the
 * child runs under strace, and every `ACK` (a put that resolved) must come
 * after an fsync of the WAL that began after the put's commit was written.
 */
const child = fileURLToPath(new URL("./fixtures/fsync-child.ts", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "ballast-fsync-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const hasStrace = spawnSync("strace", ["-V"]).status === 0;
if (!hasStrace) {
  const message = "strace is not installed: the fsync-ordering tests of sqliteInbox are SKIPPED (apt-get install strace)";
  if (process.env.CI === "true") throw new Error(message);
  console.warn(`\n!!! ${message}\n`);
}

interface Trace {
  /** For each sequential put: did a WAL fsync start after its last WAL write and finish before its ACK? */
  sequentialSynced: boolean[];
  wavePuts: number;
  waveFsyncs: number;
}

function traceRun(name: string, durability: string, fsync: string): Trace {
  const db = join(dir, `${name}.db`);
  const out = join(dir, `${name}.strace`);
  execFileSync(
    "strace",
    [
      "-f",
      "-qq",
      // -y prints each fd argument's path: a WAL write or fsync is known by its own line, even when another
      // thread's system call split the openat that created the fd into "unfinished" and "resumed" halves.
      "-y",
      "-e",
      "trace=openat,pwrite64,write,fsync,fdatasync",
      "-e",
      "signal=none",
      "-o",
      out,
      process.execPath,
      "--import",
      "tsx",
      child,
      db,
      durability,
      fsync,
    ],
    {
      stdio: "ignore",
      timeout: 60_000,
    },
  );
  const pending = new Set<string>(); // pids with an unfinished fsync of the WAL
  let lastWrite = -1; // event index of the last WAL write
  let syncStartedAfterWrite = false;
  let syncedSinceWrite = false;
  let inWave = false;
  const sequentialSynced: boolean[] = [];
  let wavePuts = 0;
  let waveFsyncs = 0;
  const lines = readFileSync(out, "utf8").split("\n");
  lines.forEach((line, i) => {
    const pid = line.split(/\s+/, 1)[0] as string;
    if (/pwrite64\(\d+<[^>]*-wal>/.test(line)) {
      lastWrite = i;
      syncStartedAfterWrite = false;
      syncedSinceWrite = false;
    }
    if (/\b(?:fsync|fdatasync)\(\d+<[^>]*-wal>/.test(line)) {
      if (lastWrite >= 0) syncStartedAfterWrite = true;
      if (inWave) waveFsyncs++;
      if (line.includes("<unfinished")) pending.add(pid);
      else if (/=\s+0$/.test(line) && syncStartedAfterWrite) syncedSinceWrite = true;
    }
    if (/<\.\.\. (?:fsync|fdatasync) resumed>.*=\s+0$/.test(line) && pending.has(pid)) {
      pending.delete(pid);
      if (syncStartedAfterWrite) syncedSinceWrite = true;
    }
    const stdout = /write\(1(?:<[^>]*>)?, "(WAVE|ACK seq|ACK wave)/.exec(line)?.[1];
    if (stdout === "WAVE") inWave = true;
    if (stdout === "ACK seq") sequentialSynced.push(lastWrite >= 0 && syncedSinceWrite);
    if (stdout === "ACK wave") wavePuts++;
  });
  return { sequentialSynced, wavePuts, waveFsyncs };
}

describe.skipIf(!hasStrace)("sqliteInbox durability, seen in the system calls", () => {
  it('durability "full" with a background fsync: every put resolves after the WAL is fsynced; concurrent puts share fsyncs', () => {
    const t = traceRun("background", "full", "background");
    expect(t.sequentialSynced).toEqual([true, true, true, true, true]);
    expect(t.wavePuts).toBe(40);
    expect(t.waveFsyncs).toBeGreaterThan(0);
    expect(t.waveFsyncs).toBeLessThan(40);
  });

  it('fsync: "inline" (SQLite synchronous=FULL) gives the same guarantee', () => {
    const t = traceRun("inline", "full", "inline");
    expect(t.sequentialSynced).toEqual([true, true, true, true, true]);
  });

  it('durability "normal" does not wait for the disk (the check above can fail)', () => {
    const t = traceRun("normal", "normal", "background");
    expect(t.sequentialSynced).toEqual([false, false, false, false, false]);
  });
});
