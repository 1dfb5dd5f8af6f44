import { beforeEach, describe, expect, it, onTestFinished } from "vitest";
import { createClient } from "../../src/client/create-client.js";
import { ApiError, isConfigError } from "../../src/errors.js";
import { apiKey, bearer } from "../../src/middleware/auth/auth.js";
import { failureOf } from "../support/failure.js";
import { useSimulator } from "../support/simulator.js";

const env = useSimulator();
let hits = 0;
beforeEach(() => {
  hits = 0;
  env.sim.route("GET", "/x", () => {
    hits++;
    return { json: {} };
  });
});

describe("a value the HTTP client refuses is a ConfigError: never sent, never retried", () => {
  const cases: Array<[string, () => ReturnType<typeof createClient>, string]> = [
    [
      "a bearer token with CR/LF",
      () => createClient({ baseUrl: env.sim.url, auth: bearer("tok\r\nx-injected: 1"), retry: { onRetry: () => retries++ } }),
      "/x",
    ],
    [
      "an API key header value with LF",
      () => createClient({ baseUrl: env.sim.url, auth: apiKey({ header: "x-api-key", value: async () => "k\nx" }), retry: { onRetry: () => retries++ } }),
      "/x",
    ],
    ["a path with CR/LF", () => createClient({ baseUrl: env.sim.url, retry: { onRetry: () => retries++ } }), "/x\r\nHost: evil"],
  ];
  let retries = 0;
  for (const [label, make, path] of cases) {
    it(label, async () => {
      retries = 0;
      const c = make();
      const err = await failureOf(() => c.get(path));
      expect(isConfigError(err), String(err)).toBe(true);
      expect(retries).toBe(0);
      expect(hits).toBe(0);
      expect((err as Error).message).not.toMatch(/[\r\n]/);
      await c.close();
    });
  }

  it("every error message has CR/LF escaped", () => {
    const e = new ApiError("line one\r\nforged: log line");
    expect(e.message).toBe("line one\\r\\nforged: log line");
  });
});

describe("per-call maxResponseBytes is validated like the client option", () => {
  for (const bad of [Number.NaN, -1, 0, 1.5, Number.POSITIVE_INFINITY]) {
    it(`${bad} is a ConfigError before sending`, async () => {
      const c = createClient({ baseUrl: env.sim.url, retry: false });
      onTestFinished(() => c.close());
      const err = await failureOf(() => c.get("/x", { maxResponseBytes: bad }));
      expect(isConfigError(err)).toBe(true);
      expect((err as { option: string }).option).toBe("maxResponseBytes");
      expect(hits).toBe(0);
    });
  }
});
