import { ConfigError } from "../errors.js";

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A span of time: milliseconds, or a string such as `"1s"`, `"500ms"`, `"1h"`, `"2.5m"`. */
export type Duration = number | `${number}${"ms" | "s" | "m" | "h" | "d"}`;

/** Parses a `Duration` to milliseconds; throws naming `option` when it is not one. */
export function toMillis(value: Duration, option: string): number {
  if (typeof value === "number") {
    if (Number.isFinite(value) && value >= 0) return value;
  } else if (typeof value === "string") {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(value.trim());
    if (m) return Number(m[1]) * (UNITS[m[2] as string] as number);
  }
  throw new ConfigError(option, `must be a non-negative number of ms or a duration such as "1s"; got ${JSON.stringify(value)}`);
}
