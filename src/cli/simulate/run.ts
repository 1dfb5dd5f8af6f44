import { dialects, type ProviderName } from "../../testing/dialects/index.js";
import { type ApiSimulator, createApiSimulator, type SimRequest } from "../../testing/index.js";
import { CliError, usageError } from "../exit.js";
import { line, type Output, processOutput } from "../output.js";
import { untilSignal } from "../signals.js";
import { latencyHook, SIMULATE_FAULTS } from "./faults.js";
import { DEFAULT_ROUTES, seedDefaultApi } from "./routes.js";

export interface SimulateFlags {
  port: number;
  host: string;
  faultRate: number;
  latency: number;
  seed: number;
  quiet?: boolean;
  provider?: string;
}

/** The plain simulator with the sample API, or a provider's dialect; `--fault-rate` is its chaos option. */
async function start(flags: SimulateFlags, onFault: (fault: string, method: string, path: string) => void): Promise<ApiSimulator> {
  const chaos =
    flags.faultRate > 0
      ? { rate: flags.faultRate, faults: SIMULATE_FAULTS, seed: flags.seed, onFault: (fault: string, req: SimRequest) => onFault(fault, req.method, req.path) }
      : undefined;
  const where = { port: flags.port, host: flags.host, log: false, ...(chaos && { chaos }) };
  if (flags.provider !== undefined) {
    if (!Object.hasOwn(dialects, flags.provider))
      throw usageError(`unknown provider ${JSON.stringify(flags.provider)}; known: ${Object.keys(dialects).join(", ")}`);
    return createApiSimulator({ ...where, provider: flags.provider as ProviderName });
  }
  const sim = await createApiSimulator(where);
  seedDefaultApi(sim);
  return sim;
}

export async function runSimulate(flags: SimulateFlags, output: Output = processOutput): Promise<void> {
  let faults = 0;
  const onFault = (name: string, method: string, path: string) => {
    faults++;
    if (!flags.quiet) line(output.stdout, `${new Date().toISOString()}  fault ${name}  ${method} ${path}`);
  };
  const sim = await start(flags, onFault).catch((error: unknown) => {
    if (error instanceof CliError) throw error;
    throw new CliError(`cannot listen on ${flags.host}:${flags.port}: ${(error as Error).message}`);
  });
  let requests = 0;
  sim.use(() => {
    requests++;
    return undefined;
  });
  if (flags.latency > 0) sim.use(latencyHook(flags.latency));
  line(output.stdout, `simulator listening on ${sim.url}${flags.provider ? ` (${flags.provider} dialect)` : ""}`);
  if (flags.provider === undefined) for (const route of DEFAULT_ROUTES) line(output.stdout, `  ${route}`);
  if (flags.faultRate > 0)
    line(output.stdout, `faults: ${Math.round(flags.faultRate * 100)}% of requests (503, 500, 429 + Retry-After, connection reset), seed ${flags.seed}`);
  if (flags.latency > 0) line(output.stdout, `latency: +${flags.latency} ms on every request`);
  line(output.stderr, "press Ctrl-C to stop");
  const signal = await untilSignal();
  await sim.close();
  line(output.stderr, `${signal}: stopped after ${requests} requests, ${faults} faults injected`);
}
