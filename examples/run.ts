/**
 * Runs one example against its simulator: `npm run example -- NAME`. Without a name, lists them.
 * Each example file also runs on its own: `node --import tsx examples/NAME.ts`.
 */
import { existsSync } from "node:fs";
import { EXAMPLES } from "./examples.js";

const name = process.argv[2];
if (name === undefined || name === "--list") {
  console.log("npm run example -- NAME\n");
  for (const [example, what] of Object.entries(EXAMPLES)) console.log(`  ${example.padEnd(24)} ${what}`);
} else if (!Object.hasOwn(EXAMPLES, name) || !existsSync(new URL(`./${name}.ts`, import.meta.url))) {
  console.error(`unknown example "${name}"; one of: ${Object.keys(EXAMPLES).join(", ")}`);
  process.exitCode = 2;
} else {
  await import(`./${name}.ts`);
}
