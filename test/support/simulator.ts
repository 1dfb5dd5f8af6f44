import { Agent } from "undici";
import { afterAll, afterEach, beforeAll } from "vitest";
import {
  type ApiSimulator,
  type ApiSimulatorOptions,
  createApiSimulator,
  type DialectOptions,
  type DialectSimulator,
  type ProviderName,
} from "../../src/testing/index.js";

/**
 * What is cleared after each test:
 * - by default, the routes a test added are removed and `sim.reset()` clears counters, logs and scripts;
 * - `keep: "routes"`, only `sim.reset()`: routes the file set up once (in its own `beforeAll`) stay — the default
 *   for a provider dialect, whose routes are the dialect (its `reset()` also clears the dialect's state);
 * - `keep: "all"`, nothing: the file's tests build on each other's state.
 */
export interface UseSimulatorOptions {
  keep?: "routes" | "all";
}

export interface SimulatorEnv<S extends ApiSimulator> {
  /** The simulator; it starts in `beforeAll`, so read it inside hooks and tests. */
  readonly sim: S;
  /** An undici Agent for tests that send raw requests; closed after the file. */
  readonly agent: Agent;
}

/**
 * One simulator and one undici Agent for a test file, both closed after the file. Options of
 * `createApiSimulator` (a fake clock, a provider dialect...) are passed through.
 */
export function useSimulator<P extends ProviderName>(options: DialectOptions<P> & UseSimulatorOptions): SimulatorEnv<DialectSimulator<P>>;
export function useSimulator(options?: ApiSimulatorOptions & UseSimulatorOptions): SimulatorEnv<ApiSimulator>;
export function useSimulator(options: (ApiSimulatorOptions | DialectOptions<ProviderName>) & UseSimulatorOptions = {}): SimulatorEnv<ApiSimulator> {
  const { keep = "provider" in options ? "routes" : undefined, ...simulatorOptions } = options;
  const agent = new Agent();
  let sim: ApiSimulator | undefined;
  beforeAll(async () => {
    sim = await createApiSimulator(simulatorOptions as ApiSimulatorOptions);
  });
  afterEach(() => {
    if (!sim || keep === "all") return;
    if (keep !== "routes") for (const route of [...sim.routes]) route.remove();
    sim.reset();
  });
  afterAll(async () => {
    await sim?.close();
    await agent.close();
  });
  return {
    get sim() {
      if (!sim) throw new Error("the simulator starts in beforeAll");
      return sim;
    },
    agent,
  };
}
