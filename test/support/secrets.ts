import { inspect } from "node:util";
import { expect } from "vitest";

/** Every way an error reaches a log or a crash report: message, stack, JSON, util.inspect. */
export function renderings(err: unknown): Record<string, string> {
  const e = err as Error & { toJSON?: () => unknown };
  return {
    message: String(e?.message),
    stack: String(e?.stack),
    json: JSON.stringify(e),
    inspect: inspect(e, { depth: 10 }),
  };
}

/** Fails naming the place where `secret` shows in `err` (or in any extra text given, e.g. log lines). */
export function expectNoSecret(err: unknown, secret: string, extra: Record<string, string> = {}): void {
  const places = { ...renderings(err), ...extra };
  const leaks = Object.entries(places)
    .filter(([, text]) => text.includes(secret))
    .map(([where]) => where);
  expect(leaks, `secret ${JSON.stringify(secret)} leaked`).toEqual([]);
}

/** A logger that keeps every line as JSON text. */
export function captureLogger(): { lines: string[]; text: () => string; logger: Record<"debug" | "info" | "warn" | "error", (o: object, m: string) => void> } {
  const lines: string[] = [];
  const log = (o: object, m: string) => {
    lines.push(`${m} ${JSON.stringify(o)}`);
  };
  return { lines, text: () => lines.join("\n"), logger: { debug: log, info: log, warn: log, error: log } };
}
