// `npm run demo`: the same demo as `ballast demo`, run from the sources.
import { runDemo } from "../src/cli/demo/run.js";

process.exitCode = await runDemo();
