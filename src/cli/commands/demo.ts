import type { Command } from "commander";

export function registerDemo(program: Command): void {
  program
    .command("demo")
    .description("run the demo: a ballast client against the embedded API simulator, with faults injected")
    .action(async () => (await import("../demo/run.js")).runDemo());
}
