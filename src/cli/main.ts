#!/usr/bin/env node
import { Command } from "commander";
import { registerDemo } from "./commands/demo.js";
import { exitCodeFor } from "./exit.js";
import { packageVersion } from "./version.js";

const program = new Command("ballast")
  .description("Production integrations with third-party APIs")
  .version(packageVersion(), "-V, --version", "print the version")
  .helpOption("-h, --help", "show help for a command")
  .showHelpAfterError("(add --help for usage)")
  .exitOverride();

registerDemo(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = exitCodeFor(error, (line) => process.stderr.write(`${line}\n`));
}
