import { createApiSimulator } from "../../testing/index.js";
import { CliError } from "../exit.js";
import { line, type Output, processOutput } from "../output.js";
import { untilSignal } from "../signals.js";
import { chaosHook } from "./faults.js";
import { DEFAULT_ROUTES, seedDefaultApi } from "./routes.js";

export interface SimulateFlags {
  port: number;
  host: string;
  faultRate: number;
  latency: number;
  seed: number;
  quiet?: boolean;
}

export async function runSimulate(flags: SimulateFlags, output: Output = processOutput): Promise<void> {
  const sim = await createApiSimulator({ port: flags.port, host: flags.host, log: false }).catch((error: unknown) => {
    throw new CliError(`cannot listen on ${flags.host}:${flags.port}: ${(error as Error).message}`);
  });
  seedDefaultApi(sim);
  let faults = 0;
  let requests = 0;
  sim.use(() => {
    requests++;
    return undefined;
  });
  if (flags.faultRate > 0 || flags.latency > 0) {
    sim.use(
      chaosHook({
        faultRate: flags.faultRate,
        latencyMs: flags.latency,
        seed: flags.seed,
        onFault(name, method, path) {
          faults++;
          if (!flags.quiet) line(output.stdout, `${new Date().toISOString()}  fault ${name}  ${method} ${path}`);
        },
      }),
    );
  }
  line(output.stdout, `simulator listening on ${sim.url}`);
  for (const route of DEFAULT_ROUTES) line(output.stdout, `  ${route}`);
  if (flags.faultRate > 0)
    line(output.stdout, `faults: ${Math.round(flags.faultRate * 100)}% of requests (503, 500, 429 + Retry-After, connection reset), seed ${flags.seed}`);
  if (flags.latency > 0) line(output.stdout, `latency: +${flags.latency} ms on every request`);
  line(output.stderr, "press Ctrl-C to stop");
  const signal = await untilSignal();
  await sim.close();
  line(output.stderr, `${signal}: stopped after ${requests} requests, ${faults} faults injected`);
}
