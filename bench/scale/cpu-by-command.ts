/**
 * CPU time per command name (redis-server, postgres, node, wrk, ...) summed
 * over every process on the machine, from /proc/<pid>/stat (Linux), so a
 * scaling run can say which side ran out of CPU. Processes that exit during a
 * run are missed for that run (the bench kills its children after sampling).
 */
import { readdirSync, readFileSync } from "node:fs";

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

export type CpuSample = Map<number, { comm: string; seconds: number }>;

/** utime + stime of every process now, by pid (empty off Linux). */
export function sampleCpu(): CpuSample {
  const out: CpuSample = new Map();
  let pids: string[];
  try {
    pids = readdirSync("/proc").filter((p) => /^\d+$/.test(p));
  } catch {
    return out;
  }
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      // "pid (comm) state ..." — comm may hold spaces, so split after the last ')'.
      const close = stat.lastIndexOf(")");
      const comm = stat.slice(stat.indexOf("(") + 1, close);
      const fields = stat.slice(close + 2).split(" ");
      // fields[0] is state (field 3); utime and stime are fields 14 and 15.
      const seconds = (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
      out.set(Number(pid), { comm, seconds });
    } catch {
      // gone between readdir and read
    }
  }
  return out;
}

/** Cores used between two samples over `wallMs` by the processes `pick` selects (1.0 = one core busy the whole time). */
export function coresUsed(before: CpuSample, after: CpuSample, wallMs: number, pick: (pid: number, comm: string) => boolean): number {
  let seconds = 0;
  for (const [pid, a] of after) {
    if (!pick(pid, a.comm)) continue;
    const b = before.get(pid);
    // A process born during the run (a new PostgreSQL backend) counts whole.
    seconds += a.seconds - (b !== undefined && b.comm === a.comm ? b.seconds : 0);
  }
  return seconds / (wallMs / 1000);
}

/** A run's CPU split: the given groups, and `other` for everything else busy on the machine. */
export function cpuSplit(
  before: CpuSample,
  after: CpuSample,
  wallMs: number,
  groups: Record<string, (pid: number, comm: string) => boolean>,
): Record<string, number> {
  const out: Record<string, number> = {};
  const picks = Object.values(groups);
  for (const [name, pick] of Object.entries(groups)) out[name] = coresUsed(before, after, wallMs, pick);
  out.other = coresUsed(before, after, wallMs, (pid, comm) => !picks.some((p) => p(pid, comm)));
  return out;
}

/** "redis 0.98 · clients 0.85 · other 0.10". */
export function describeSplit(split: Record<string, number>): string {
  return Object.entries(split)
    .map(([name, c]) => `${name} ${c.toFixed(2)}`)
    .join(" · ");
}
