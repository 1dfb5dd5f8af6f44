import { readFileSync } from "node:fs";
import { InvalidArgumentError } from "commander";
import { type Duration, toMillis } from "../util/duration.js";
import { usageError } from "./exit.js";

/** Collects a repeatable option (`--query a=1 --query b=2`). */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Splits `name=value` pairs (the first `=` separates); the option is named in the error. */
export function keyValues(pairs: readonly string[] | undefined, option: string): Array<[string, string]> {
  return (pairs ?? []).map((pair) => {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw usageError(`${option} expects name=value; got ${JSON.stringify(pair)}`);
    return [pair.slice(0, eq), pair.slice(eq + 1)];
  });
}

/** Splits `Name: value` headers (curl style; `Name=value` also accepted). */
export function headerPairs(values: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of values ?? []) {
    const m = /^([^:=\s]+)\s*[:=]\s*(.*)$/.exec(raw);
    if (!m) throw usageError(`--header expects "Name: value"; got ${JSON.stringify(raw)}`);
    out[(m[1] as string).toLowerCase()] = m[2] as string;
  }
  return out;
}

/** A positive integer option value (for commander's argParser). */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError("must be a positive integer");
  return n;
}

/** A TCP port (0 = any free port). */
export function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError("must be a port number, 0-65535");
  return n;
}

/** A fraction between 0 and 1. */
export function fraction(value: string): number {
  const n = Number(value);
  if (!(Number.isFinite(n) && n >= 0 && n <= 1)) throw new InvalidArgumentError("must be a number from 0 to 1");
  return n;
}

/** A duration: `250` (ms), `250ms`, `2s`, `1m` (parsed by the library's own `toMillis`). */
export function duration(value: string): number {
  const v = value.trim();
  try {
    return toMillis(/^\d+(\.\d+)?$/.test(v) ? Number(v) : (v as Duration), "duration");
  } catch {
    throw new InvalidArgumentError('must be a duration such as "50ms", "2s" or "1m"');
  }
}

/**
 * Reads a secret from the environment variable named by an option. Only the
 * variable's name ever appears in messages, never its value.
 */
export function secretFromEnv(variable: string, option: string, env: NodeJS.ProcessEnv = process.env): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(variable)) throw usageError(`${option} expects an environment variable name; got ${JSON.stringify(variable)}`);
  const value = env[variable];
  if (value === undefined || value === "") throw usageError(`${option}: the environment variable ${variable} is not set`);
  return value;
}

/** A value given inline, or read from a file with `@path`, or from stdin with `@-`. */
export function textArgument(value: string, stdin: () => string = () => readFileSync(0, "utf8")): string {
  if (value === "@-") return stdin();
  if (value.startsWith("@")) {
    try {
      return readFileSync(value.slice(1), "utf8");
    } catch (error) {
      throw usageError(`cannot read ${value.slice(1)}: ${(error as Error).message}`);
    }
  }
  return value;
}
