import { ConfigError } from "../errors.js";
import { type Duration, toMillis } from "./duration.js";

/** How a bad value reads in an error: strings quoted, everything else as written. */
export function shown(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

/**
 * A whole number of at least `min` (default 1), or a `ConfigError` naming
 * `option` (its path, e.g. `"retry.attempts"`) and the value it got.
 */
export function integerOption(value: unknown, option: string, min = 1): number {
  if (typeof value === "number" && Number.isInteger(value) && value >= min) return value;
  const what = min === 1 ? "a positive integer" : min === 0 ? "a non-negative integer" : `an integer >= ${min}`;
  throw new ConfigError(option, `must be ${what}; got ${shown(value)}`);
}

/** A finite number from `min` to `max` (inclusive), or a `ConfigError` naming `option`. */
export function numberOption(value: unknown, option: string, min = 0, max = Number.POSITIVE_INFINITY): number {
  if (typeof value === "number" && Number.isFinite(value) && value >= min && value <= max) return value;
  const what = max === Number.POSITIVE_INFINITY ? `a number >= ${min}` : `a number from ${min} to ${max}`;
  throw new ConfigError(option, `must be ${what}; got ${shown(value)}`);
}

/**
 * A `Duration` (ms, or a string such as `"250ms"`, `"5s"`, `"1m"`) in ms, of
 * at least `min` ms; with the default `min` of 0 it must be longer than 0.
 * Anything else is a `ConfigError` naming `option`.
 */
export function durationOption(value: Duration, option: string, min = 0): number {
  const ms = toMillis(value, option);
  if (min === 0 ? ms > 0 : ms >= min) return ms;
  const what = min === 0 ? "longer than 0 ms" : `of at least ${min} ms`;
  throw new ConfigError(option, `must be a duration ${what} (ms, or a string such as "5s"); got ${shown(value)}`);
}
