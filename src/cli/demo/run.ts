/**
 * The ballast demo: a real HTTP API simulator on loopback that misbehaves the
 * way production APIs do (503s, resets, slow and stalled answers), and a
 * ballast client that gets every call right anyway. `ballast demo`, or
 * `npm run demo` from a checkout.
 */
import { createClient } from "../../client/create-client.js";
import { isHttpError } from "../../errors.js";
import { bearer } from "../../middleware/auth.js";
import { cursor } from "../../pagination/cursor.js";
import { createApiSimulator } from "../../testing/index.js";

export async function runDemo(): Promise<void> {
  const sim = await createApiSimulator();
  const line = (s: string) => console.log(`  ${s}`);

  // A flaky read: two 503s, then an answer.
  sim.route("GET", "/v1/customers/:id", [{ status: 503 }, { status: 503, headers: { "retry-after": "0" } }, { json: { id: "cus_42", name: "Ada Lovelace" } }]);
  // A payment endpoint that makes the charge, then loses the connection before answering (the first time).
  let lose = true;
  const charges = sim.route(
    "POST",
    "/v1/charges",
    (req) => {
      const charge = { id: `ch_${req.seq}`, amount: req.json<{ amount: number }>().amount };
      if (!lose) return { status: 201, json: charge };
      lose = false;
      return { fault: "reset", status: 201, json: charge };
    },
    { idempotency: true },
  );
  // A collection of 250 customers, 50 a page, behind a server-side limit of 20 requests/s.
  sim.collection(
    "/v1/customers",
    Array.from({ length: 250 }, (_, i) => ({ id: `cus_${i}` })),
    { style: "cursor", pageSize: 50 },
  );
  const serverLimit = sim.rateLimit({ requests: 20, per: "1s", route: "/v1/events" });
  sim.route("GET", "/v1/events", { json: { data: [] } });
  // A slow endpoint and a stalled one.
  sim.route("GET", "/v1/reports/slow", [{ delay: 1_500, json: {} }, { json: { rows: 3 } }]);
  sim.route("GET", "/v1/stalled", { fault: "stall" });
  sim.route("GET", "/v1/missing", sim.problem(404, { title: "No such invoice", detail: "in_123 does not exist" }));

  const client = createClient({
    baseUrl: `${sim.url}/v1`,
    auth: bearer("sk_test_demo_key"),
    timeout: { attempt: 1_000, total: 5_000 },
    retry: {
      attempts: 4,
      backoff: { base: 20, cap: 200 },
      onRetry: (e) => line(`retry #${e.attempt} of ${e.request.method} ${e.request.url} in ${e.delay} ms (${e.status ?? (e.error as Error).message})`),
    },
  });

  console.log("ballast demo against the API simulator at", sim.url);

  console.log("\n1. A GET that fails twice with 503 is retried with backoff:");
  line(JSON.stringify(await client.get("/customers/:id", { params: { id: "cus_42" } })));

  console.log("\n2. A POST whose answer is lost after the charge is retried with the same idempotency key: one charge, not two:");
  const charge = await client.post("/charges", { json: { amount: 2_000, currency: "usd" }, idempotencyKey: true });
  const keys = new Set(charges.requests.map((r) => r.headers["idempotency-key"]));
  line(`${JSON.stringify(charge)}; ${charges.calls} requests, ${keys.size} idempotency key, ${charges.effects} charge made`);

  console.log("\n3. A slow attempt times out and the retry succeeds:");
  line(JSON.stringify(await client.get("/reports/slow")));

  console.log("\n4. A stalled endpoint ends with a TimeoutError naming the limit:");
  await client.get("/stalled", { timeout: { attempt: 200 } }).catch((e: Error) => line(`${e.name}: ${e.message}`));

  console.log("\n5. A 404 problem+json becomes a typed HttpError:");
  await client.get("/missing").catch((e: unknown) => isHttpError(e) && line(`${e.name} ${e.status}: ${e.problem?.detail}`));

  console.log("\n6. Pagination: every page through the same pipeline:");
  let count = 0;
  type Page = { data: Array<{ id: string }>; next_cursor: string | null };
  for await (const _customer of client.paginate("/customers", { strategy: cursor<{ id: string }, Page>({ next: (b) => b.next_cursor, items: (b) => b.data }) }))
    count++;
  line(`${count} customers`);

  console.log("\n7. A client-side limit of 20/s against a server that rejects anything above 20/s: 30 calls, no 429:");
  // arrivalMargin: spaced as if the second were 20 ms longer, so jitter on the way (a new connection) cannot bunch two at the server.
  const limited = client.extend({ rateLimit: { limits: [{ requests: 20, per: "1s" }], arrivalMargin: "20ms" } });
  const started = Date.now();
  await Promise.all(Array.from({ length: 30 }, () => limited.get("/events")));
  line(`30 calls in ${Date.now() - started} ms, evenly spaced; the server rejected ${serverLimit.rejected}`);

  console.log("\n8. client.stats():");
  for (const [route, s] of Object.entries(client.stats().routes)) line(`${route.padEnd(28)} ${s.requests} calls, ${s.errors} errors, p50 ${s.latency.p50} ms`);

  await client.close();
  await sim.close();
  console.log("\ndone.");
}
