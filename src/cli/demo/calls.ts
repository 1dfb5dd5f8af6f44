import { createClient } from "../../client/create-client.js";
import { isCircuitOpenError, isHttpError } from "../../errors.js";
import { bearer } from "../../middleware/auth/auth.js";
import type { ApiSimulator } from "../../testing/index.js";
import { countRateLimitWaits } from "../request/client.js";
import type { Tally } from "./tally.js";

type Say = (text: string) => void;

/**
 * Act 1: 40 payments sent at once to an API that drops connections after
 * charging, answers 503 and 429; every POST carries an idempotency key, so
 * retries never charge twice. Then a dependency that is down trips the
 * breaker, which fails fast instead of piling up retries.
 */
export async function paymentsUnderFaults(sim: ApiSimulator, tally: Tally, say: Say): Promise<void> {
  const charges = new Map<string, number>();
  const charged = new Set<string>();
  sim.route(
    "POST",
    "/v1/charges",
    (req) => {
      const { order, amount } = req.json<{ order: string; amount: number }>();
      charged.add(String(req.headers["idempotency-key"]));
      charges.set(order, (charges.get(order) ?? 0) + 1);
      return { status: 201, json: { id: `ch_${req.seq}`, order, amount } };
    },
    { idempotency: true },
  );
  // A request that arrives with the key of a charge already made would charge again without idempotency.
  let repeats = 0;
  sim.use((req) => {
    if (req.method === "POST" && charged.has(String(req.headers["idempotency-key"]))) repeats++;
    return undefined;
  });
  // Connections lost after the charge was made (the worst case), then plain failures before it.
  sim.inject({ fault: "reset" }, { method: "POST", path: "/v1/charges", when: "after", times: 6 });
  sim.inject(503, { method: "POST", path: "/v1/charges", times: 5 });
  sim.inject({ status: 429, headers: { "retry-after": "0" }, json: { error: "rate_limited" } }, { method: "POST", path: "/v1/charges", times: 3 });
  sim.route("GET", "/v1/fx-rates", { status: 503, json: { error: "upstream_down" } });
  sim.route("GET", "/v1/stalled", { fault: "stall" });
  sim.route("GET", "/v1/invoices/:id", (req) => {
    const reply = sim.problem(404, { title: "No such invoice", detail: `${req.params.id} does not exist` });
    return { ...reply, headers: { ...reply.headers, "request-id": `req_${req.seq}` } };
  });

  const waits = { retries: 0, rateLimitWaits: 0 };
  const stopCounting = countRateLimitWaits(waits);
  const client = createClient({
    baseUrl: `${sim.url}/v1`,
    auth: bearer("sk_test_demo_key"),
    timeout: { attempt: 1_000, total: 5_000 },
    retry: { attempts: 5, backoff: { base: 10, cap: 100 }, onRetry: () => tally.retries++ },
    rateLimit: { limits: [{ requests: 200, per: "1s", burst: 20 }] },
  });
  try {
    const orders = Array.from({ length: 40 }, (_, i) => ({ order: `o_${1001 + i}`, amount: 500 + i * 25 }));
    const results = await Promise.all(orders.map((o) => tally.time(() => client.post<{ id: string }>("/charges", { json: o, idempotencyKey: true }))));
    const made = [...charges.values()].reduce((a, b) => a + b, 0);
    const doubled = [...charges.values()].filter((n) => n > 1).length;
    tally.duplicatedEffects += doubled;
    tally.duplicateChargesPrevented += repeats;
    say(`${results.length} orders paid with ${sim.requests.length} requests: ${made} charges made, ${doubled} charged twice`);
    say(`(6 answers lost after charging, 5 × 503, 3 × 429 — each retried with the same idempotency key)`);

    let failedFast = 0;
    let failed = 0;
    // The rates service gets its own breaker: it trips on this dependency alone.
    const once = client.extend({
      retry: false,
      circuitBreaker: {
        failureRate: 0.5,
        minimumRequests: 4,
        halfOpenAfter: "30s",
        onStateChange: (change) => {
          if (change.to === "open") tally.breakerTrips++;
        },
      },
    });
    for (let i = 0; i < 8; i++) {
      await tally
        .time(() => once.get("/fx-rates"))
        .catch((error: unknown) => {
          if (isCircuitOpenError(error)) failedFast++;
          else if (isHttpError(error)) failed++;
        });
    }
    say(`a dependency that is down: ${failed} calls failed with 503, then the breaker opened and ${failedFast} failed fast without a request`);

    const stalled = await tally.time(() => client.get("/stalled", { timeout: { attempt: 150, total: 400 } })).catch((e: Error) => e);
    say(`a stalled endpoint: ${stalled instanceof Error ? `${stalled.name}: ${stalled.message}` : "answered"}`);
    const missing = await tally.time(() => client.get("/invoices/in_404")).catch((e: unknown) => e);
    if (isHttpError(missing)) say(`a 404: ${missing.name} ${missing.status} "${missing.problem?.detail}", request id ${missing.requestId}`);
    tally.calls += sim.requests.length;
  } finally {
    stopCounting();
    tally.rateLimitWaits += waits.rateLimitWaits;
    await client.close();
  }
}
