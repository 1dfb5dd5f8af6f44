import { Agent } from "undici";
import { afterAll, afterEach, beforeAll } from "vitest";
import { type ApiSimulator, createApiSimulator } from "../../src/testing/index.js";

/**
 * One simulator and one undici Agent for a test file: routes are removed and
 * counters reset after each test, both are closed after the file.
 */
export function useSimulator(): { readonly sim: ApiSimulator; readonly agent: Agent } {
  const agent = new Agent();
  let sim: ApiSimulator | undefined;
  beforeAll(async () => {
    sim = await createApiSimulator();
  });
  afterEach(() => {
    if (!sim) return;
    for (const route of [...sim.routes]) route.remove();
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
