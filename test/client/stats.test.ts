import { afterEach, describe, expect, it } from "vitest";
import { createClient } from "../../src/client/create-client.js";
import { startServer, type TestServer } from "../support/http-server.js";
import { slowApi } from "../support/slow-api.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("client.stats(): API latency apart from queue time", () => {
  it("a rate-limited route shows its wait as queue time, and API latency near the server's own delay", async () => {
    server = await slowApi(30);
    const client = createClient({ baseUrl: server.url, retry: false, rateLimit: { limits: [{ requests: 10, per: "1s" }] } });
    // Six at once against 10/s: they leave 100 ms apart, so the last waits ~500 ms in the limiter.
    await Promise.all(Array.from({ length: 6 }, () => client.get("/items")));
    const route = client.stats().routes["GET /items"];
    await client.close();
    expect(route?.requests).toBe(6);
    // Queued 0 + 100 + ... + 500 ms in all (less a ms or so of clock rounding per wait).
    expect(route?.queue.rateLimitMs).toBeGreaterThanOrEqual(1350);
    expect(route?.queue.max).toBeGreaterThanOrEqual(450);
    expect(route?.queue.concurrencyMs).toBe(0);
    expect(route?.queue.backoffMs).toBe(0);
    // The API's own time: headers after ~30 ms, the body ~20 ms later, whatever the wait before.
    expect(route?.api.firstByte.p50).toBeGreaterThanOrEqual(29);
    expect(route?.api.firstByte.max).toBeLessThan(400);
    expect(route?.api.complete.p50).toBeGreaterThanOrEqual((route?.api.firstByte.p50 ?? 0) + 15);
    expect(route?.api.complete.max).toBeLessThan(400);
    // The whole call holds both.
    expect(route?.latency.max).toBeGreaterThanOrEqual(450 + 45);
  });

  it("a concurrency wait and retry backoff count as queue time too, each under its own name", async () => {
    let calls = 0;
    server = await startServer((_req, res) => {
      calls++;
      // The first request fails after 60 ms with a 503 asking for a 200 ms wait; the others answer after 50 ms.
      if (calls === 1) setTimeout(() => res.writeHead(503, { "retry-after": "0.2" }).end(), 60);
      else setTimeout(() => res.writeHead(200, { "content-type": "application/json" }).end("{}"), 50);
    });
    const client = createClient({ baseUrl: server.url, concurrency: 1, retry: { attempts: 2 } });
    await Promise.all([client.get("/a"), client.get("/a")]);
    const route = client.stats().routes["GET /a"];
    await client.close();
    expect(route?.queue.backoffMs).toBeGreaterThanOrEqual(150);
    // The second call waited for the permit while the first attempt of the first held it (~60 ms).
    expect(route?.queue.concurrencyMs).toBeGreaterThanOrEqual(55);
    expect(route?.api.firstByte.p50).toBeGreaterThanOrEqual(45);
    expect(route?.api.firstByte.max).toBeLessThan(150);
  });
});
