import { ConfigError } from "../errors.js";
import type { Env } from "./profile.js";

/**
 * The credential given as `option`, or else the first of `variables` set in
 * `env`. Missing everywhere: a `ConfigError` naming the option and the variables.
 */
export function credential(given: unknown, option: string, variables: readonly string[], env: Env): string {
  if (given !== undefined) {
    if (typeof given !== "string" || given.trim() === "") throw new ConfigError(option, "must be a non-empty string");
    return given;
  }
  for (const name of variables) {
    const value = env[name];
    if (value !== undefined && value.trim() !== "") return value.trim();
  }
  throw new ConfigError(option, `is required: pass it, or set the environment variable ${variables.join(" or ")}`);
}

/** `options.env`, checked, or `process.env`. */
export function envOf(options: { env?: Env } | undefined): Env {
  const env = options?.env;
  if (env === undefined) return process.env;
  if (typeof env !== "object" || env === null) throw new ConfigError("env", "must be an object of variable names to values");
  return env;
}
