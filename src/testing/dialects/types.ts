import type { ApiSimulator, ApiSimulatorOptions } from "../simulator.js";

/** Starts the plain simulator a dialect builds on (passed in, so dialect modules do not import the simulator). */
export type StartSimulator = (options: ApiSimulatorOptions) => Promise<ApiSimulator>;

/** Options every dialect accepts: where to listen, the clock, the request log, chaos. */
export type DialectBaseOptions = Pick<ApiSimulatorOptions, "port" | "host" | "clock" | "log" | "chaos">;

/** What every provider simulator adds to the plain one. */
export interface ProviderSimulator extends ApiSimulator {
  /** The dialect it speaks: `"stripe"`, `"twilio"`, ... */
  readonly provider: string;
}

/** A dialect: starts a simulator and teaches it the provider's paths, errors, paging and webhooks. */
export type Dialect<O, S extends ProviderSimulator> = (options: O, start: StartSimulator) => Promise<S>;

/** The base options of a dialect's options (what the plain simulator takes). */
export function baseOptions(options: DialectBaseOptions): DialectBaseOptions {
  const { port, host, clock, log, chaos } = options;
  return {
    ...(port !== undefined && { port }),
    ...(host !== undefined && { host }),
    ...(clock !== undefined && { clock }),
    ...(log !== undefined && { log }),
    ...(chaos !== undefined && { chaos }),
  };
}
