import type { ChaosFault, SimulatorHook } from "../../testing/index.js";

/** The faults `--fault-rate` draws from (the simulator's chaos option), each as likely as the others. */
export const SIMULATE_FAULTS: readonly ChaosFault[] = ["503", "500", "429", "reset"];

/** A simulator hook that delays every request by `ms` (`--latency`). */
export function latencyHook(ms: number): SimulatorHook {
  return async () => {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return undefined;
  };
}
