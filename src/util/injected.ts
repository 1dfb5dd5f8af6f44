import { ConfigError } from "../errors.js";

function hasMethods(value: unknown, methods: ReadonlyArray<string>): boolean {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return methods.every((m) => typeof v[m] === "function");
}

/**
 * Checks, at construction, that a `store` option is a Store with the methods
 * the policy calls, so a wrong value (an ioredis client instead of
 * `redisStore(redis)`, a plain object) fails there, naming the option, and not
 * on the first request.
 */
export function checkStore(value: unknown, option: string, methods: ReadonlyArray<string>): void {
  if (value === undefined || hasMethods(value, methods)) return;
  const what =
    typeof value === "object" && value !== null && typeof (value as { evalsha?: unknown }).evalsha === "function"
      ? "; got a Redis client: wrap it in redisStore(redis)"
      : "";
  throw new ConfigError(option, `must be a Store (memoryStore(), redisStore(redis)) with ${methods.join(", ")}${what}`);
}

/** Checks that a `clock` option is a Clock: `now()` and `sleep(ms, signal)`. */
export function checkClock(value: unknown, option: string): void {
  if (value === undefined || hasMethods(value, ["now", "sleep"])) return;
  throw new ConfigError(option, "must be a Clock with now() and sleep(ms, signal), e.g. systemClock or createFakeClock()");
}
