import type { Writable } from "node:stream";

/** Where a command writes, and whether each stream is a terminal (for pretty output and progress bars). */
export interface Output {
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
}

export const processOutput: Output = { stdout: process.stdout, stderr: process.stderr };

/** Writes one line. */
export function line(stream: Writable, text = ""): void {
  stream.write(`${text}\n`);
}

/** JSON for people on a terminal, one compact line for programs. */
export function formatJson(value: unknown, pretty: boolean): string {
  return pretty ? JSON.stringify(value, null, 2) : JSON.stringify(value);
}

/** Renders rows as aligned columns (the first row is the header). */
export function table(rows: ReadonlyArray<ReadonlyArray<string>>): string {
  const widths: number[] = [];
  for (const row of rows) {
    for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, cell.length);
  }
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join("  ")).join("\n");
}

/** `2026-01-31T12:00:00.000Z` for a clock time in ms. */
export function isoTime(ms: number | undefined): string {
  return ms === undefined ? "-" : new Date(ms).toISOString();
}

/** `1 item`, `2 items`; `many` for irregular plurals. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
