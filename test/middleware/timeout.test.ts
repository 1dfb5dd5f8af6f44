import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../../src/client/create-client.js";
import { type TimeoutError, isAbortError, isTimeoutError } from "../../src/errors.js";
import { constantBackoff } from "../../src/middleware/backoff.js";
import { type ApiSimulator, createApiSimulator } from "../../src/testing/index.js";

let sim: ApiSimulator;
let sockets = 0;
beforeAll(async () => {
  sim = await createApiSimulator();
  sim.server.on("connection", (s) => {
    sockets++;
    s.on("close", () => sockets--);
  });
});
afterAll(() => sim.close());
afterEach(() => sim.reset());

const until = async (cond: () => boolean) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
};

describe("timeouts", () => {
  it("a total timeout bounds the whole call, retries and waits included, and says so", async () => {
    const route = sim.route("GET", "/r", { status: 503 });
    const c = createClient({ baseUrl: sim.url, timeout: { total: 300, attempt: false }, retry: { attempts: 100, backoff: constantBackoff(40) } });
    const err = (await c.get("/r").catch((e: unknown) => e)) as TimeoutError;
    expect(isTimeoutError(err)).toBe(true);
    expect(err.limit).toBe("total");
    expect(err.message).toContain("total timeout of 300 ms");
    expect(route.calls).toBeGreaterThan(1);
    expect(route.calls).toBeLessThan(100);
    await c.close();
  });

  it("covers a slow body, not only the headers", async () => {
    sim.route("GET", "/slow-body", { bodyDelay: 2000, json: { late: true } });
    const c = createClient({ baseUrl: sim.url, timeout: { attempt: 100 }, retry: false });
    const err = await c.get("/slow-body").catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "BALLAST_TIMEOUT", limit: "attempt" });
    await c.close();
  });

  it("can be switched off per call", async () => {
    sim.route("GET", "/slowish", { delay: 150, json: { ok: true } });
    const c = createClient({ baseUrl: sim.url, timeout: { attempt: 50 }, retry: false });
    await expect(c.get("/slowish")).rejects.toSatisfy(isTimeoutError);
    expect(await c.get("/slowish", { timeout: false })).toEqual({ ok: true });
    expect(await c.get("/slowish", { timeout: { attempt: 1000 } })).toEqual({ ok: true });
    await c.close();
  });

  it("releases the socket of a stalled request on timeout", async () => {
    sim.route("GET", "/stall", { fault: "stall" });
    const c = createClient({ baseUrl: sim.url, timeout: { attempt: 100 }, retry: false });
    await expect(c.get("/stall")).rejects.toSatisfy(isTimeoutError);
    await until(() => sockets === 0);
    expect(sockets).toBe(0);
    await c.close();
  });
});

describe("cancellation", () => {
  it("a caller's abort rejects at once with AbortError carrying the reason, and frees the socket", async () => {
    sim.route("GET", "/stall", { fault: "stall" });
    const c = createClient({ baseUrl: sim.url });
    const ac = new AbortController();
    const p = c.get("/stall", { signal: ac.signal });
    await until(() => sim.requests.length === 1);
    ac.abort("navigated away");
    const err = await p.catch((e: unknown) => e);
    expect(isAbortError(err)).toBe(true);
    expect((err as { reason: unknown }).reason).toBe("navigated away");
    await until(() => sockets === 0);
    expect(sockets).toBe(0);
    await c.close();
  });

  it("an already-aborted signal sends nothing", async () => {
    const c = createClient({ baseUrl: sim.url });
    await expect(c.get("/x", { signal: AbortSignal.abort() })).rejects.toSatisfy(isAbortError);
    expect(sim.requests).toHaveLength(0);
    await c.close();
  });
});
