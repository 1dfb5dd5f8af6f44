#!/usr/bin/env node
import { Command } from "commander";
import { VERSION } from "../version.js";
import { registerDashboard } from "./commands/dashboard.js";
import { registerDemo } from "./commands/demo.js";
import { registerOauth } from "./commands/oauth.js";
import { registerRequest } from "./commands/request.js";
import { registerSimulate } from "./commands/simulate.js";
import { registerWebhooks } from "./commands/webhooks.js";
import { exitCodeFor } from "./exit.js";

const program = new Command("ballast")
  .description("Production integrations with third-party APIs")
  .version(VERSION, "-V, --version", "print the version")
  .helpOption("-h, --help", "show help for a command")
  .showHelpAfterError("(add --help for usage)")
  .exitOverride();

registerDemo(program);
registerRequest(program);
registerWebhooks(program);
registerOauth(program);
registerSimulate(program);
registerDashboard(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = exitCodeFor(error, (line) => process.stderr.write(`${line}\n`));
}
