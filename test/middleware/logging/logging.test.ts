import { describe, expect, it, onTestFinished } from "vitest";
import { createClient } from "../../../src/client/create-client.js";
import { bearer } from "../../../src/middleware/auth/auth.js";
import { constantBackoff } from "../../../src/middleware/retry/backoff.js";
import { useSimulator } from "../../support/simulator.js";

const env = useSimulator();

function memoryLogger() {
  const lines: Array<{ level: string; obj: Record<string, unknown>; msg: string }> = [];
  const at = (level: string) => (obj: Record<string, unknown>, msg: string) => lines.push({ level, obj, msg });
  return { lines, logger: { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") } };
}

describe("logging", () => {
  it("logs request, response and failures at sensible levels with secrets redacted", async () => {
    env.sim.route("POST", "/login", { json: { ok: true } });
    env.sim.route("GET", "/missing", { status: 404 });
    const { lines, logger } = memoryLogger();
    const c = createClient({
      baseUrl: env.sim.url,
      auth: bearer("sk_live_SECRET1"),
      headers: { cookie: "sid=SECRET2", "x-tenant": "t" },
      logger: { logger, redactQuery: ["sig2"], redactBody: ["card_number"], logBodies: true, redactHeaders: ["x-tenant"] },
    });
    onTestFinished(() => c.close());
    await c.post("/login", { json: { user: "ann", password: "SECRET3", card_number: "SECRET4" }, query: { sig2: "SECRET5", page: 1 } });
    await c.get("/missing").catch(() => {});
    const text = JSON.stringify(lines);
    for (const s of ["SECRET1", "SECRET2", "SECRET3", "SECRET4", "SECRET5"]) expect(text).not.toContain(s);
    expect(lines.map((l) => `${l.level}:${l.msg}`)).toEqual([
      "debug:ballast request",
      "info:ballast response",
      "debug:ballast request",
      "warn:ballast response",
    ]);
    expect(lines[0]?.obj.body).toEqual({ user: "ann", password: "[REDACTED]", card_number: "[REDACTED]" });
    expect(lines[1]?.obj).toMatchObject({ method: "POST", status: 200, attempts: 1 });
    expect(String(lines[1]?.obj.url)).toContain("page=1");
  });

  it("logs each retry as a warning and a thrown failure as an error", async () => {
    env.sim.route("GET", "/flaky", [{ status: 503 }, { json: {} }]);
    const { lines, logger } = memoryLogger();
    const c = createClient({ baseUrl: env.sim.url, logger, retry: { backoff: constantBackoff(1) } });
    onTestFinished(() => c.close());
    await c.get("/flaky");
    expect(lines.filter((l) => l.msg === "ballast retry")).toHaveLength(1);
    const bad = createClient({ baseUrl: "http://127.0.0.1:1", logger, retry: false });
    onTestFinished(() => bad.close());
    await bad.get("/x").catch(() => {});
    expect(lines.at(-1)).toMatchObject({ level: "error", msg: "ballast request failed", obj: { code: "BALLAST_NETWORK" } });
  });
});
