import { CommanderError } from "commander";

/** Exit codes of every `ballast` command (documented in docs/cli.md). */
export const EXIT = {
  /** Done. */
  ok: 0,
  /** The operation failed: an API error, a failed delivery, an unprocessed webhook. */
  failed: 1,
  /** Bad usage: unknown command or option, an invalid or missing value, a missing environment variable. */
  usage: 2,
} as const;

/** A failure the CLI reports on stderr as one message and ends with `exitCode`. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number = EXIT.failed) {
    super(message);
    this.name = "CliError";
    this.exitCode = exitCode;
  }
}

/** A usage error (exit code 2): a bad option value or a missing environment variable. */
export function usageError(message: string): CliError {
  return new CliError(message, EXIT.usage);
}

/** Maps whatever a command threw to its exit code, printing a one-line message. */
export function exitCodeFor(error: unknown, write: (line: string) => void): number {
  if (error instanceof CommanderError) {
    // commander has already printed its message (or the help / version).
    if (error.code === "commander.helpDisplayed" || error.code === "commander.version") return EXIT.ok;
    return EXIT.usage;
  }
  if (error instanceof CliError) {
    write(`ballast: ${error.message}`);
    return error.exitCode;
  }
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  write(`ballast: ${message}`);
  return error instanceof Error && error.name === "ConfigError" ? EXIT.usage : EXIT.failed;
}
