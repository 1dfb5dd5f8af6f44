import type { Command } from "commander";
import { duration, fraction, port } from "../options.js";
import type { SimulateFlags } from "../simulate/run.js";

export function registerSimulate(program: Command): void {
  program
    .command("simulate")
    .description("run the API simulator as a local server until interrupted, optionally with faults and latency")
    .option("--provider <name>", "speak a provider's dialect (stripe, ...) instead of the sample API")
    .option("--port <port>", "port (0: any free port)", port, 0)
    .option("--host <host>", "address to bind", "127.0.0.1")
    .option("--fault-rate <rate>", "share of requests that get a fault (0 to 1)", fraction, 0)
    .option("--latency <duration>", "delay added to every request (e.g. 50ms)", duration, 0)
    .option("--seed <n>", "seed of the fault sequence", (v) => Number.parseInt(v, 10), 1)
    .option("--quiet", "do not print a line per injected fault")
    .addHelpText(
      "after",
      `
Prints the URL, then one line per injected fault. SIGINT or SIGTERM closes every connection and exits 0.

Exit codes: 0 stopped by a signal; 1 cannot listen (port in use); 2 bad usage.

Example:
  ballast simulate --port 4010 --fault-rate 0.1 --latency 50ms
  ballast request GET http://127.0.0.1:4010/v1/customers --all`,
    )
    .action(async (flags: SimulateFlags) => (await import("../simulate/run.js")).runSimulate(flags));
}
