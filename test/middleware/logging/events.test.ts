import { describe, expect, it, onTestFinished } from "vitest";
import { createClient } from "../../../src/client/create-client.js";
import { logEvents } from "../../../src/middleware/logging/events.js";
import { useSimulator } from "../../support/simulator.js";

const env = useSimulator();

/** logEvents() into an array, stopped after the test. */
function captured() {
  const lines: Array<{ level: string; msg: string; obj: Record<string, unknown> }> = [];
  const at = (level: string) => (obj: Record<string, unknown>, msg: string) => void lines.push({ level, msg, obj });
  onTestFinished(logEvents({ debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") }));
  return lines;
}

describe("logEvents(): calls", () => {
  it("logs each call with its time queued on this side apart from the API's own", async () => {
    const lines = captured();
    env.sim.route("GET", "/items", { delay: 30, json: { ok: true } });
    env.sim.route("GET", "/missing", { status: 404, json: { error: "not_found" } });
    const client = createClient({ baseUrl: env.sim.url, retry: false, rateLimit: { limits: [{ requests: 10, per: "1s" }] } });
    onTestFinished(() => client.close());
    // Two at once against 10/s: the second waits about 100 ms for its slot.
    await Promise.all([client.get("/items"), client.get("/items")]);
    await client.get("/missing").catch(() => {});

    const responses = lines.filter((l) => l.msg === "ballast response");
    expect(responses.map((l) => [l.level, l.obj.status])).toEqual([
      ["info", 200],
      ["info", 200],
      ["warn", 404],
    ]);
    const [first, second] = responses.map((l) => l.obj as { queueMs: number; apiMs: number; durationMs: number });
    // The API's 30 ms is API time for both; only the second queued.
    for (const call of [first, second]) expect(call?.apiMs).toBeGreaterThanOrEqual(29);
    expect(second?.queueMs).toBeGreaterThan(first?.queueMs ?? 0);
    expect(second?.durationMs).toBeGreaterThanOrEqual((second?.queueMs ?? 0) + (second?.apiMs ?? 0) - 2);
    expect(responses[2]?.obj).toMatchObject({ status: 404, queueMs: expect.any(Number), apiMs: expect.any(Number) });
  });

  it("leaves apiMs out of a call that no attempt got an answer for", async () => {
    const lines = captured();
    env.sim.route("GET", "/gone", { fault: "reset" });
    const client = createClient({ baseUrl: env.sim.url, retry: false });
    onTestFinished(() => client.close());
    await client.get("/gone").catch(() => {});
    const failed = lines.find((l) => l.msg === "ballast request failed");
    expect(failed?.level).toBe("error");
    expect(failed?.obj).toMatchObject({ code: "BALLAST_NETWORK", queueMs: 0 });
    expect(failed?.obj).not.toHaveProperty("apiMs");
  });
});
