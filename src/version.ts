import { readFileSync } from "node:fs";

function readVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version?: unknown };
    return typeof pkg.version === "string" ? pkg.version : "unknown";
  } catch {
    // Bundled into an application, the package's own package.json is not beside the code: importing must still work.
    return "unknown";
  }
}

/**
 * The package's version, read once from its package.json (one directory up
 * from both `src/` and `dist/`), so the version is written in one place.
 */
export const VERSION: string = readVersion();
