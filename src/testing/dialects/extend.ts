import type { ApiSimulator } from "../simulator.js";

/**
 * Adds a dialect's controls to its simulator (getters stay getters) and
 * makes `reset()` clear the dialect's state as well as the simulator's.
 */
export function extendSimulator<P extends string, C extends object>(
  sim: ApiSimulator,
  provider: P,
  controls: C,
  resetState: () => void,
): ApiSimulator & C & { readonly provider: P } {
  const resetSimulator = sim.reset.bind(sim);
  Object.defineProperties(sim, Object.getOwnPropertyDescriptors(controls));
  return Object.assign(sim, {
    provider,
    reset() {
      resetSimulator();
      resetState();
    },
  }) as ApiSimulator & C & { readonly provider: P };
}
