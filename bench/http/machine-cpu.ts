/**
 * CPU time the whole machine spent busy, from /proc/stat (Linux), so a run can
 * tell how much other processes competed with the client and the server.
 */
import { readFileSync } from "node:fs";

/** Clock ticks per second of /proc/stat (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** Busy CPU time of all cores since boot in µs, or undefined off Linux. */
export function machineBusyUs(): number | undefined {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0] ?? "";
    const fields = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is already inside user)
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
    return ((user + nice + system + irq + softirq + steal) / TICKS_PER_SECOND) * 1e6;
  } catch {
    return undefined;
  }
}
