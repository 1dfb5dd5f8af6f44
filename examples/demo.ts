// `npm run demo`: the same demo as `ballast demo`, run from the sources.
import { runDemo } from "../src/cli/commands/demo.js";

await runDemo();
