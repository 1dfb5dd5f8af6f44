import { describe, expect, it, onTestFinished } from "vitest";
import { createClient } from "../../src/client/create-client.js";
import { isNetworkError, isTimeoutError } from "../../src/errors.js";
import { bearer } from "../../src/middleware/auth/auth.js";
import { constantBackoff } from "../../src/middleware/retry/backoff.js";
import { fetchTransport } from "../../src/transport/fetch.js";
import { useSimulator } from "../support/simulator.js";

const env = useSimulator();

describe("fetchTransport", () => {
  it("runs the same pipeline over WHATWG fetch: auth, bodies, retries, errors, timeouts", async () => {
    const flaky = env.sim.route("POST", "/items", [{ status: 503 }, { status: 201, json: { created: true } }]);
    env.sim.route("GET", "/reset", { fault: "reset" });
    env.sim.route("GET", "/slow", { delay: 1000, json: {} });
    const c = createClient({ baseUrl: env.sim.url, transport: fetchTransport(), auth: bearer("tok"), retry: { backoff: constantBackoff(1) } });
    onTestFinished(() => c.close());
    expect(await c.post("/items", { json: { a: 1 }, idempotencyKey: "k1" })).toEqual({ created: true });
    expect(flaky.requests.map((r) => [r.headers.authorization, r.text()])).toEqual([
      ["Bearer tok", '{"a":1}'],
      ["Bearer tok", '{"a":1}'],
    ]);
    await expect(c.get("/reset", { context: {} })).rejects.toSatisfy(isNetworkError);
    await expect(c.get("/slow", { timeout: { attempt: "50ms" } })).rejects.toSatisfy(isTimeoutError);
  });
});
