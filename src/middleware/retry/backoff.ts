import { ConfigError } from "../../errors.js";

/** A backoff is a value: attempt number (1 = the wait before the 2nd try) → milliseconds. */
export type Backoff = (retry: number) => number;

export interface ExponentialBackoffOptions {
  /** First ceiling in ms (default 200). */
  base?: number;
  /** Largest wait in ms (default 20 000). */
  cap?: number;
  /** Growth per retry (default 2). */
  factor?: number;
  /** "full" (default): uniform in [0, ceiling] (AWS full jitter); "none": the ceiling itself. */
  jitter?: "full" | "none";
  /** Source of randomness in [0, 1) (default Math.random); inject for tests. */
  random?: () => number;
}

/**
 * Full-jitter exponential backoff: wait a uniform random time in
 * [0, min(cap, base * factor^(retry-1))]. Spreads retries of many clients
 * instead of synchronising them.
 */
export function exponentialBackoff(options: ExponentialBackoffOptions = {}): Backoff {
  const base = options.base ?? 200;
  const cap = options.cap ?? 20_000;
  const factor = options.factor ?? 2;
  if (!(base > 0)) throw new ConfigError("backoff.base", `must be > 0; got ${base}`);
  if (!(cap >= base)) throw new ConfigError("backoff.cap", `must be >= base (${base}); got ${cap}`);
  if (!(factor >= 1)) throw new ConfigError("backoff.factor", `must be >= 1; got ${factor}`);
  const random = options.random ?? Math.random;
  const full = (options.jitter ?? "full") === "full";
  return (retry) => {
    const ceiling = Math.min(cap, base * factor ** Math.max(0, retry - 1));
    return full ? Math.floor(random() * ceiling) : ceiling;
  };
}

/** The same wait every time. */
export function constantBackoff(ms: number): Backoff {
  if (!(ms >= 0)) throw new ConfigError("backoff", `must be >= 0; got ${ms}`);
  return () => ms;
}
