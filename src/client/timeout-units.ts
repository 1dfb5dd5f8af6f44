import type { Logger, LoggingOptions } from "../middleware/logging/logging.js";

export const TIMEOUT_UNITS_CODE = "BALLAST_TIMEOUT_UNITS";

/** A time limit that looks like seconds: `5` (ms) is almost always meant as 5 s. Returns it, or undefined. */
export function suspiciousTimeout(timeout: unknown): number | undefined {
  if (typeof timeout === "number") return timeout > 0 && timeout < 100 ? timeout : undefined;
  if (typeof timeout !== "object" || timeout === null) return undefined;
  const { attempt, total } = timeout as { attempt?: unknown; total?: unknown };
  return suspiciousTimeout(attempt) ?? suspiciousTimeout(total);
}

/**
 * Warns that a time limit under 100 is in milliseconds (`timeout: 5` is 5 ms,
 * not 5 s): through the client's logger when it has one, else as a process
 * warning (`BallastWarning`, code BALLAST_TIMEOUT_UNITS). Returns whether it warned.
 */
export function warnTimeoutUnits(timeout: unknown, logger: Logger | LoggingOptions | undefined, where: string): boolean {
  const ms = suspiciousTimeout(timeout);
  if (ms === undefined) return false;
  const message = `ballast: ${where} timeout of ${ms} is in milliseconds; for ${ms} seconds write "${ms}s" or ${ms * 1000}`;
  const log = logger === undefined ? undefined : "logger" in logger ? logger.logger : logger;
  if (log) log.warn({ code: TIMEOUT_UNITS_CODE, option: "timeout", value: ms }, message);
  else process.emitWarning(message, { type: "BallastWarning", code: TIMEOUT_UNITS_CODE });
  return true;
}
