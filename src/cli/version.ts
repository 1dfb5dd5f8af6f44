import { readFileSync } from "node:fs";

/**
 * The package version, read from the package.json that ships beside `dist/`
 * (and beside `src/` in a checkout), so there is one place it is written.
 */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version?: unknown };
  return typeof pkg.version === "string" ? pkg.version : "0.0.0";
}
