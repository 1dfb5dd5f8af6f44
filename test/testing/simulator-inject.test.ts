import { beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/index.js";
import { useSimulator } from "../support/simulator.js";

let counter = 0;
const env = useSimulator({
  responseHeaders: () => ({ "x-request-id": `req_${counter}` }),
  notFound: (req) => ({ status: 404, json: { message: `no ${req.path}` } }),
  errorReply: (status) => ({ json: { error: { status, shaped: true } } }),
  keep: "routes",
});
beforeAll(() => {
  env.sim.route("POST", "/writes", () => ({ status: 201, json: { n: ++counter } }), { idempotency: true });
  env.sim.route("GET", "/reads", { json: { ok: true } });
});

const post = (key?: string) => fetch(`${env.sim.url}/writes`, { method: "POST", body: "{}", headers: key ? { "idempotency-key": key } : {} });

describe("sim.inject", () => {
  it("answers the next matching requests instead of the route, then lets them through", async () => {
    const injection = env.sim.inject(503, { times: 2, path: "/reads" });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await fetch(`${env.sim.url}/reads`)).status);
    expect(statuses).toEqual([503, 503, 200]);
    expect(injection.used).toBe(2);
  });

  it("a bare status gets the error shape of errorReply", async () => {
    env.sim.inject(500);
    const res = await fetch(`${env.sim.url}/reads`);
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: { status: 500, shaped: true } });
  });

  it("only matches the given method and path", async () => {
    env.sim.inject({ status: 418 }, { method: "POST" });
    expect((await fetch(`${env.sim.url}/reads`)).status).toBe(200);
    expect((await post()).status).toBe(418);
  });

  it('when: "after" runs the route (its effect and idempotency key stay), then sends the fault', async () => {
    const before = counter;
    env.sim.inject({ fault: "reset" }, { method: "POST", when: "after" });
    await expect(post("k-1")).rejects.toMatchObject({ cause: { code: "ECONNRESET" } });
    expect(counter).toBe(before + 1);
    const replay = await post("k-1");
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(await replay.json()).toEqual({ n: before + 1 });
    expect(counter).toBe(before + 1);
  });

  it("remove() disarms it; bad options are refused", async () => {
    env.sim.inject(503, { times: Number.POSITIVE_INFINITY }).remove();
    expect((await fetch(`${env.sim.url}/reads`)).status).toBe(200);
    expect(() => env.sim.inject(503, { times: 0 })).toThrow(ConfigError);
    expect(() => env.sim.inject(503, { when: "later" as "after" })).toThrow(ConfigError);
  });
});

describe("response shaping options", () => {
  it("responseHeaders go on every response, notFound answers unknown paths", async () => {
    const res = await fetch(`${env.sim.url}/nowhere`);
    expect(res.status).toBe(404);
    expect(res.headers.get("x-request-id")).toMatch(/^req_/);
    expect(await res.json()).toEqual({ message: "no /nowhere" });
  });

  it("rate-limit rejections take the errorReply shape", async () => {
    const limit = env.sim.rateLimit({ requests: 1, per: "1m", route: "/reads" });
    try {
      await fetch(`${env.sim.url}/reads`);
      const res = await fetch(`${env.sim.url}/reads`);
      expect(res.status).toBe(429);
      expect(res.headers.get("retry-after")).not.toBeNull();
      expect(await res.json()).toEqual({ error: { status: 429, shaped: true } });
    } finally {
      limit.remove();
    }
  });
});
