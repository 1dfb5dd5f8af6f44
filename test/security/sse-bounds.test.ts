import { describe, expect, it, onTestFinished } from "vitest";
import { createClient } from "../../src/client/create-client.js";
import { isConfigError, isResponseTooLargeError } from "../../src/errors.js";
import { createFakeClock } from "../../src/testing/index.js";
import { useServer } from "../support/http-server.js";
import { useSimulator } from "../support/simulator.js";

const SSE = { "content-type": "text/event-stream", "cache-control": "no-cache" };

const env = useSimulator();

/** A server that streams one endless event (`data: xxxx...` without a blank line) and counts what it managed to write. */
let written = 0;
const endless = useServer((_req, res) => {
  res.writeHead(200, SSE);
  res.write("id: 1\ndata: small\n\n");
  const line = `data: ${"x".repeat(64 * 1024)}\n`;
  const pump = () => {
    while (!res.destroyed && written < 150 * 2 ** 20) {
      written += line.length;
      if (!res.write(line)) return void res.once("drain", pump);
    }
    res.end();
  };
  pump();
});

describe("SSE: an event larger than the limit is refused", () => {
  it("a 150 MiB event stops at maxResponseBytes with ResponseTooLargeError; earlier events still arrive", async () => {
    const client = createClient({ baseUrl: endless.origin, retry: false, maxResponseBytes: 2 ** 20 });
    onTestFinished(() => client.close());
    const got: string[] = [];
    const err = await (async () => {
      for await (const e of client.sse("/stream", { reconnect: false })) got.push(e.data);
    })().catch((e: unknown) => e);
    expect(got).toEqual(["small"]);
    expect(isResponseTooLargeError(err)).toBe(true);
    expect((err as { limit: number }).limit).toBe(2 ** 20);
    expect(written).toBeLessThan(150 * 2 ** 20);
  });

  it("maxEventBytes sets the limit per stream; many small events and keep-alive comments add up to nothing", async () => {
    const body = `${": keep-alive\n\n".repeat(2000)}${"data: 0123456789\n\n".repeat(2000)}`;
    env.sim.route("GET", "/many", { headers: SSE, body });
    const client = createClient({ baseUrl: env.sim.url, retry: false });
    onTestFinished(() => client.close());
    let n = 0;
    for await (const _ of client.sse("/many", { reconnect: false, maxEventBytes: 1024 })) n++;
    expect(n).toBe(2000);
    env.sim.route("GET", "/big", { headers: SSE, body: `data: ${"y".repeat(4096)}\n\n` });
    const err = await (async () => {
      for await (const _ of client.sse("/big", { reconnect: false, maxEventBytes: 1024 })) {
      }
    })().catch((e: unknown) => e);
    expect(isResponseTooLargeError(err)).toBe(true);
    expect(() => client.sse("/big", { maxEventBytes: 0 })).toThrow();
  });
});

describe("SSE: reconnects have a floor, back off, and can be capped", () => {
  it("retry: 0 does not cause a reconnect storm: waits start at the floor (500 ms) and double up to maxDelay", async () => {
    let connections = 0;
    env.sim.route("GET", "/storm", () => {
      connections++;
      return { headers: SSE, body: `retry: 0\nid: ${connections}\ndata: x\n\n` };
    });
    const clock = createFakeClock(Date.now());
    const client = createClient({ baseUrl: env.sim.url, retry: false });
    onTestFinished(() => client.close());
    const it = client.sse("/storm", { clock, reconnect: { maxDelay: "4s" } });
    const waits: number[] = [];
    expect((await it.next()).value).toMatchObject({ id: "1" });
    for (let i = 0; i < 5; i++) {
      const next = it.next();
      await expect.poll(() => clock.pending()).toBe(1);
      waits.push((clock.nextWakeup() as number) - clock.now());
      await clock.advance(waits.at(-1) as number);
      await next;
    }
    expect(waits).toEqual([500, 1000, 2000, 4000, 4000]);
    expect(connections).toBe(6);
    await it.return();
  });

  it("maxReconnects ends the stream with an error after that many reconnects", async () => {
    let connections = 0;
    env.sim.route("GET", "/capped", () => {
      connections++;
      return { headers: SSE, body: `data: ${connections}\n\n` };
    });
    const client = createClient({ baseUrl: env.sim.url, retry: false });
    onTestFinished(() => client.close());
    const got: string[] = [];
    const err = await (async () => {
      for await (const e of client.sse("/capped", { reconnect: { maxReconnects: 2, minDelay: "1ms", delay: "1ms" } })) got.push(e.data);
    })().catch((e: unknown) => e);
    expect(got).toEqual(["1", "2", "3"]);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/2 reconnects/);
  });

  it("bad reconnect options are ConfigErrors", () => {
    const client = createClient({ baseUrl: env.sim.url, retry: false });
    for (const reconnect of [{ maxReconnects: -1 }, { minDelay: "0ms" }, { maxDelay: "100ms", minDelay: "1s" }] as const) {
      const err = (() => {
        try {
          client.sse("/x", { reconnect: reconnect as never });
        } catch (e) {
          return e;
        }
      })();
      expect(isConfigError(err)).toBe(true);
    }
  });
});
