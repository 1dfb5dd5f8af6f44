import type { ServerResponse } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../../src/client/create-client.js";
import { isHttpError, isParseError } from "../../src/errors.js";
import { sse } from "../../src/streaming/index.js";
import { createFakeClock } from "../../src/testing/index.js";
import { startServer } from "../support/http-server.js";
import { take } from "../support/iterate.js";
import { apiRequest } from "../support/request.js";
import { useSimulator } from "../support/simulator.js";

const env = useSimulator();
let client: ReturnType<typeof createClient>;
beforeAll(() => {
  client = createClient({ baseUrl: env.sim.url, retry: false });
});
afterAll(() => client.close());

const SSE = { "content-type": "text/event-stream", "cache-control": "no-cache" };

describe("client.sse()", () => {
  it("yields events (type, multi-line data, id) and reconnects with Last-Event-ID after the stream ends", async () => {
    const seen: Array<string | undefined> = [];
    env.sim.route("GET", "/events", (req) => {
      const last = req.headers["last-event-id"] as string | undefined;
      seen.push(last);
      if (last === undefined)
        return { headers: SSE, body: 'retry: 5\n\n: comment\nid: 1\nevent: greeting\ndata: hello\ndata: world\n\nid: 2\ndata: {"n":2}\n\n' };
      if (last === "2") return { headers: SSE, body: "id: 3\ndata: after reconnect\n\n" };
      return { status: 204 }; // no more: 204 ends the stream without reconnecting
    });
    const events = [];
    for await (const e of client.sse("/events")) events.push(e);
    expect(events).toEqual([
      { event: "greeting", data: "hello\nworld", id: "1" },
      { event: "message", data: '{"n":2}', id: "2" },
      { event: "message", data: "after reconnect", id: "3" },
    ]);
    expect(seen).toEqual([undefined, "2", "3"]);
  });

  it("resumes from a saved lastEventId on the first connection", async () => {
    let header: unknown;
    env.sim.route("GET", "/resume", (req) => {
      header = req.headers["last-event-id"];
      return { headers: SSE, body: "id: 43\ndata: x\n\n" };
    });
    await take(client.sse("/resume", { lastEventId: "42" }), 1);
    expect(header).toBe("42");
  });

  it("reconnects after a dropped connection, waiting the server's retry delay on the injected clock", async () => {
    const clock = createFakeClock(Date.now());
    let n = 0;
    env.sim.route("GET", "/drops", () =>
      n++ === 0
        ? { headers: SSE, body: `retry: 2500\nid: a\ndata: one\n\n${"data: padding\n".repeat(50)}`, fault: "truncate" }
        : { headers: SSE, body: "id: b\ndata: two\n\n" },
    );
    const it = client.sse("/drops", { clock });
    const first = await it.next();
    expect(first.value).toMatchObject({ data: "one" });
    const second = it.next();
    await expect.poll(() => clock.pending()).toBe(1);
    expect(clock.nextWakeup()).toBe(clock.now() + 2500);
    await clock.advance(2500);
    expect((await second).value).toMatchObject({ data: "two", id: "b" });
    await it.return();
  });

  it("gives up after maxAttempts reconnects that bring no event", async () => {
    let n = 0;
    env.sim.route("GET", "/empty", () => {
      n++;
      return { headers: SSE, body: "retry: 1\n\n" };
    });
    await expect(take(client.sse("/empty", { reconnect: { maxAttempts: 2 } }), 1)).rejects.toSatisfy(isParseError);
    expect(n).toBe(3);
  });

  it("an HTTP error is thrown, not retried; a non-SSE content type is a ParseError", async () => {
    env.sim.route("GET", "/denied", { status: 401, json: { error: "unauthorized" } });
    env.sim.route("GET", "/json", { json: { not: "a stream" } });
    const denied = await take(client.sse("/denied"), 1).catch((e) => e);
    expect(isHttpError(denied) && denied.status).toBe(401);
    expect(await take(client.sse("/json"), 1).catch((e) => isParseError(e))).toBe(true);
  });

  it("reconnect: false ends at the end of the stream", async () => {
    env.sim.route("GET", "/once", { headers: SSE, body: "data: a\n\ndata: b\n\n" });
    const got = [];
    for await (const e of client.sse("/once", { reconnect: false })) got.push(e.data);
    expect(got).toEqual(["a", "b"]);
  });
});

describe("sse() on a live stream", () => {
  it("break releases the connection; a slow consumer holds the server back (backpressure)", async () => {
    let closed = false;
    let blocked = false;
    let written = 0;
    const server = await startServer((_req, res: ServerResponse) => {
      res.writeHead(200, SSE);
      res.on("close", () => {
        closed = true;
      });
      const pump = () => {
        while (!closed) {
          written++;
          if (!res.write(`data: ${"x".repeat(1000)} ${written}\n\n`)) {
            blocked = true;
            res.once("drain", pump);
            return;
          }
        }
      };
      pump();
    });
    const c = createClient({ baseUrl: server.origin, retry: false });
    try {
      const events = c.sse("/live");
      const first = await events.next();
      expect(first.value?.data).toMatch(/ 1$/);
      // The consumer pauses: the server's writes stop succeeding instead of buffering without bound.
      await expect.poll(() => blocked).toBe(true);
      const writtenWhilePaused = written;
      await new Promise((r) => setTimeout(r, 50));
      expect(written).toBe(writtenWhilePaused);
      await events.return();
      await expect.poll(() => closed).toBe(true);
    } finally {
      await c.close();
      await server.close();
    }
  });

  it("works with any opener (plain function API)", async () => {
    const clock = createFakeClock(Date.now());
    const stream = sse(
      async () => ({
        status: 200,
        headers: SSE,
        body: (await import("node:stream")).Readable.from(["data: x\n", "\n"]),
        request: apiRequest("http://x/"),
        attempts: 1,
      }),
      { reconnect: false, clock },
    );
    expect(await take(stream, 5)).toEqual([{ event: "message", data: "x", id: undefined }]);
  });
});
