/**
 * The ballast demo: a real HTTP API simulator on loopback that misbehaves the
 * way production APIs do (503s, resets, slow and stalled answers), and a
 * ballast client that gets every call right anyway. `ballast demo`, or
 * `npm run demo` from a checkout.
 */
import { createClient } from "../client/create-client.js";
import { isHttpError } from "../errors.js";
import { bearer } from "../middleware/auth.js";
import { createApiSimulator } from "../testing/index.js";

export async function runDemo(): Promise<void> {
  const sim = await createApiSimulator();
  const line = (s: string) => console.log(`  ${s}`);

  // A flaky read: two 503s, then an answer.
  sim.route("GET", "/v1/customers/:id", [{ status: 503 }, { status: 503, headers: { "retry-after": "0" } }, { json: { id: "cus_42", name: "Ada Lovelace" } }]);
  // A payment endpoint whose connection resets on the first try.
  let created = 0;
  const charges = sim.route(
    "POST",
    "/v1/charges",
    (req) => {
      if (charges.calls === 1) return { fault: "reset" };
      created++;
      return { status: 201, json: { id: `ch_${req.seq}`, amount: req.json<{ amount: number }>().amount } };
    },
    { idempotency: true },
  );
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

  console.log("\n2. A POST is retried only because it carries an idempotency key, the same on every attempt:");
  const charge = await client.post("/charges", { json: { amount: 2_000, currency: "usd" }, idempotencyKey: true });
  const keys = new Set(charges.requests.map((r) => r.headers["idempotency-key"]));
  line(`${JSON.stringify(charge)}; ${charges.calls} requests with ${keys.size} key, ${created} charge created`);

  console.log("\n3. A slow attempt times out and the retry succeeds:");
  line(JSON.stringify(await client.get("/reports/slow")));

  console.log("\n4. A stalled endpoint ends with a TimeoutError naming the limit:");
  await client.get("/stalled", { timeout: { attempt: 200 } }).catch((e: Error) => line(`${e.name}: ${e.message}`));

  console.log("\n5. A 404 problem+json becomes a typed HttpError:");
  await client.get("/missing").catch((e: unknown) => isHttpError(e) && line(`${e.name} ${e.status}: ${e.problem?.detail}`));

  console.log("\n6. client.stats():");
  for (const [route, s] of Object.entries(client.stats().routes)) line(`${route.padEnd(28)} ${s.requests} calls, ${s.errors} errors, p50 ${s.latency.p50} ms`);

  await client.close();
  await sim.close();
  console.log("\ndone.");
}
