import type { Command } from "commander";

export function registerDemo(program: Command): void {
  program
    .command("demo")
    .description("run the demo: payments under injected faults, a paginated export, signed webhooks into a SQLite inbox, and a closing table")
    .addHelpText(
      "after",
      `
Everything runs on 127.0.0.1 (API simulators and a webhook receiver); nothing leaves the machine.

Exit codes: 0 no side effect happened twice and every acknowledged webhook was processed; 1 otherwise.`,
    )
    .action(async () => {
      process.exitCode = await (await import("../demo/run.js")).runDemo();
    });
}
