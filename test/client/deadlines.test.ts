/**
 * Deadlines are walls: a body trickled a byte at a time cannot keep a call
 * alive past `timeout.attempt` or `timeout.total`, with the undici transport
 * (its own exact timer per request) and the fetch transport (ours).
 */
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { createClient } from "../../src/client/create-client.js";
import { isTimeoutError, type TimeoutError } from "../../src/errors.js";
import { fetchTransport } from "../../src/transport/fetch.js";
import type { Transport } from "../../src/types.js";
import { startServer, type TestServer } from "../support/http-server.js";
import { waitFor } from "../support/wait.js";

let server: TestServer;
beforeAll(async () => {
  // Headers at once, then one byte every 50 ms, for ever (until the client goes away).
  server = await startServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    const timer = setInterval(() => res.write(" "), 50);
    res.on("close", () => clearInterval(timer));
  });
});
afterAll(() => server.close());

/**
 * The latest a call may end: its limit plus max(1 %, 100 ms). A correctness
 * bound (the call measured from its own start), not a benchmark: the timer
 * fires at the limit and the rejection follows within a few ms, so 100 ms
 * covers a busy event loop on a loaded 2-core machine (held 10 runs in a row
 * at load average 13).
 */
const wall = (limitMs: number) => limitMs + Math.max(limitMs / 100, 100);

async function timed(run: () => Promise<unknown>): Promise<{ error: TimeoutError; ms: number }> {
  const t0 = performance.now();
  const error = (await run().catch((e: unknown) => e)) as TimeoutError;
  return { error, ms: performance.now() - t0 };
}

const transports: Array<[string, () => Transport | undefined]> = [
  ["undici (the default)", () => undefined],
  ["fetch", () => fetchTransport()],
];

describe.each(transports)("a trickling body against the deadlines, %s transport", (_name, make) => {
  it("timeout.attempt ends the attempt at its limit with TimeoutError, and retries end at timeout.total", async () => {
    const transport = make();
    const client = createClient({
      baseUrl: server.url,
      timeout: { attempt: 300, total: 800 },
      retry: { attempts: 10, backoff: { base: 1, cap: 2 } },
      ...(transport && { transport }),
    });
    const { error, ms } = await timed(() => client.get("/trickle"));
    expect(isTimeoutError(error)).toBe(true);
    expect(error.limit).toBe("total");
    expect(ms).toBeGreaterThanOrEqual(795);
    expect(ms).toBeLessThan(wall(800));
    await client.close();
    // (fetch's sockets belong to the global dispatcher, which the client does not own)
    if (transport === undefined) await waitFor(() => server.openSockets === 0, { what: "the trickling sockets to be closed" });
  });

  it("timeout.total alone is a wall too", async () => {
    const transport = make();
    const client = createClient({ baseUrl: server.url, timeout: 500, ...(transport && { transport }) });
    onTestFinished(() => client.close());
    const { error, ms } = await timed(() => client.get("/trickle"));
    expect(error).toMatchObject({ code: "BALLAST_TIMEOUT", limit: "total", timeoutMs: 500 });
    expect(ms).toBeLessThan(wall(500));
  });
});

describe("a per-call duration", () => {
  it('timeout: "300ms" on a call is the same wall as 300', async () => {
    const client = createClient({ baseUrl: server.url, retry: false });
    onTestFinished(() => client.close());
    const { error, ms } = await timed(() => client.get("/trickle", { timeout: "300ms" }));
    expect(error).toMatchObject({ code: "BALLAST_TIMEOUT", limit: "total", timeoutMs: 300 });
    expect(ms).toBeLessThan(wall(300));
    const attempt = await timed(() => client.get("/trickle", { timeout: { attempt: "0.2s" } }));
    expect(attempt.error).toMatchObject({ code: "BALLAST_TIMEOUT", limit: "attempt", timeoutMs: 200 });
  });
});

describe("limits of 5 s and more (once handed to undici's per-chunk body timer)", () => {
  it("a 5 s attempt limit ends a trickle at 5 s, not when the trickle stops", async () => {
    const client = createClient({ baseUrl: server.url, timeout: { attempt: 5_000, total: 60_000 }, retry: false });
    onTestFinished(() => client.close());
    const { error, ms } = await timed(() => client.get("/trickle"));
    expect(error).toMatchObject({ code: "BALLAST_TIMEOUT", limit: "attempt", timeoutMs: 5_000 });
    expect(ms).toBeGreaterThanOrEqual(4_995);
    expect(ms).toBeLessThan(wall(5_000));
  }, 15_000);

  it("a raw() stream stays bounded by the attempt limit while the caller reads it", async () => {
    const client = createClient({ baseUrl: server.url, timeout: { attempt: 400 }, retry: false });
    onTestFinished(() => client.close());
    const t0 = performance.now();
    const res = await client.raw({ path: "/trickle" });
    let error: unknown;
    try {
      for await (const _ of res.body ?? []) {
        // read every byte as it trickles in
      }
    } catch (e) {
      error = e;
    }
    expect(isTimeoutError(error)).toBe(true);
    expect(performance.now() - t0).toBeLessThan(wall(400));
  });
});
