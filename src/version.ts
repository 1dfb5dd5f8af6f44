import { readFileSync } from "node:fs";

/**
 * The package's version, read once from its package.json (one directory up
 * from both `src/` and `dist/`), so the version lives in one place.
 */
export const VERSION: string = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;
