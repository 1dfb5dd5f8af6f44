#!/usr/bin/env node
import { Command } from "commander";
import { runDemo } from "./demo.js";

const program = new Command("ballast").description("Production integrations with third-party APIs").version("0.1.0");

program.command("demo").description("run the demo: a ballast client against the embedded API simulator, with faults injected").action(runDemo);

await program.parseAsync(process.argv);
