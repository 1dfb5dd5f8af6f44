/** The body belongs to the attempt: read and parsed inside it, over real sockets with faults injected by a plain node:http server. */
import { afterEach, describe, expect, it, onTestFinished } from "vitest";
import { createClient } from "../../src/client/create-client.js";
import { isResponseTooLargeError, isTimeoutError } from "../../src/errors.js";
import { fetchTransport } from "../../src/transport/fetch.js";
import { bodyOf, startServer, type TestServer } from "../support/http-server.js";
import { waitFor } from "../support/wait.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const fast = { backoff: { base: 1, cap: 2 } };
const payload = JSON.stringify({ items: Array.from({ length: 200 }, (_, i) => ({ id: i, name: `item ${i}` })) });

/** Answers 200 with the full content-length, then per attempt: cut the body half-way, reset, stall, or send it whole. */
function faultyServer(faults: Array<"cut" | "reset" | "stall" | "ok">) {
  let n = 0;
  const seen: string[] = [];
  return {
    seen,
    start: () =>
      startServer(async (req, res) => {
        seen.push(`${req.method} ${req.headers["idempotency-key"] ?? "-"} ${await bodyOf(req)}`);
        const fault = faults[Math.min(n++, faults.length - 1)];
        res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(payload) });
        if (fault === "ok") return res.end(payload);
        res.write(payload.slice(0, payload.length / 2));
        if (fault === "cut") res.socket?.end();
        if (fault === "reset") res.socket?.resetAndDestroy();
        // "stall": never finish
      }),
  };
}

describe("a body that fails mid-way fails the attempt, and is retried like any failed attempt", () => {
  it("GET: a body cut short of its content-length, a reset mid-body and a stall past the attempt timeout are each retried", async () => {
    const f = faultyServer(["cut", "reset", "stall", "ok"]);
    server = await f.start();
    const client = createClient({ baseUrl: server.url, retry: { attempts: 4, ...fast }, timeout: { attempt: 300 } });
    onTestFinished(() => client.close());
    const { data, response } = await client.get<{ items: unknown[] }>("/list").withResponse();
    expect(data.items).toHaveLength(200);
    expect(response.attempts).toBe(4);
    expect(f.seen).toHaveLength(4);
    expect(client.stats().routes["GET /list"]).toMatchObject({ requests: 1, errors: 0 });
  });

  it("a keyed POST is retried with the same key; an un-keyed POST whose body broke after sending is not", async () => {
    const keyed = faultyServer(["reset", "ok"]);
    server = await keyed.start();
    const client = createClient({ baseUrl: server.url, retry: fast });
    await client.post("/charges", { json: { amount: 1 }, idempotencyKey: "k-1" });
    expect(keyed.seen).toEqual(['POST k-1 {"amount":1}', 'POST k-1 {"amount":1}']);
    await client.close();
    await server.close();

    const unkeyed = faultyServer(["reset", "ok"]);
    server = await unkeyed.start();
    const c2 = createClient({ baseUrl: server.url, retry: fast });
    onTestFinished(() => c2.close());
    await expect(c2.post("/charges", { json: { amount: 1 } })).rejects.toMatchObject({ code: "BALLAST_NETWORK" });
    expect(unkeyed.seen).toHaveLength(1);
  });

  it("the same holds with the fetch transport (our own attempt timer)", async () => {
    const f = faultyServer(["stall", "cut", "ok"]);
    server = await f.start();
    const client = createClient({ baseUrl: server.url, transport: fetchTransport(), retry: { attempts: 3, ...fast }, timeout: { attempt: 300 } });
    onTestFinished(() => client.close());
    expect(await client.get<{ items: unknown[] }>("/list")).toMatchObject({ items: expect.any(Array) });
    expect(f.seen).toHaveLength(3);
  });

  it("a stalled body counts as a failure for the breaker and in stats()", async () => {
    const f = faultyServer(["stall"]);
    server = await f.start();
    const client = createClient({
      baseUrl: server.url,
      retry: false,
      timeout: { attempt: 150 },
      circuitBreaker: { consecutiveFailures: 2, failureRate: 1, minimumRequests: 100 },
    });
    onTestFinished(() => client.close());
    for (let i = 0; i < 2; i++) await expect(client.get("/list")).rejects.toSatisfy(isTimeoutError);
    const stats = client.stats();
    expect(stats.routes["GET /list"]).toMatchObject({ requests: 2, errors: 2, outcomes: { BALLAST_TIMEOUT: 2 } });
    expect(Object.values(stats.policies.circuitBreaker as Record<string, { state: string }>)[0]?.state).toBe("open");
  });

  it("maxResponseBytes is enforced inside the attempt and is not retried", async () => {
    const f = faultyServer(["ok"]);
    server = await f.start();
    const client = createClient({ baseUrl: server.url, maxResponseBytes: 100 });
    onTestFinished(() => client.close());
    await expect(client.get("/list")).rejects.toSatisfy(isResponseTooLargeError);
    expect(f.seen).toHaveLength(1);
  });
});

describe("the concurrency permit covers the body", () => {
  it("is held while a body is read, and while a raw() stream is open until it is finished or cancelled", async () => {
    let release: (() => void) | undefined;
    server = await startServer((req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      res.write("first chunk;");
      if (req.url === "/slow") release = () => res.end("rest");
      else res.end();
    });
    const client = createClient({ baseUrl: server.url, concurrency: 1, retry: false });
    onTestFinished(() => client.close());
    const active = () => Object.values(client.stats().policies.concurrency as Record<string, { active: number; queued: number }>)[0];

    const slow = client.get<string>("/slow");
    await waitFor(() => release !== undefined, { what: "the slow body to start" });
    const quick = client.get<string>("/quick");
    await waitFor(() => active()?.queued === 1, { what: "the second call to queue behind the body being read" });
    release?.();
    expect(await slow).toBe("first chunk;rest");
    expect(await quick).toBe("first chunk;");

    const res = await client.raw({ path: "/quick" });
    expect(active()).toMatchObject({ active: 1 });
    const again = client.get<string>("/quick");
    await waitFor(() => active()?.queued === 1, { what: "a call to wait for the open raw() stream" });
    res.body?.destroy(); // cancelled by the caller
    expect(await again).toBe("first chunk;");
    await waitFor(() => active()?.active === 0, { what: "the permit to come back" });
  });
});
