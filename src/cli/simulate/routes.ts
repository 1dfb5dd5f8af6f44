import type { ApiSimulator } from "../../testing/index.js";

/** What `ballast simulate` serves without a provider dialect: a small payments-style API. */
export const DEFAULT_ROUTES = [
  "GET  /v1/customers           (cursor pages of 10; ?limit=, ?cursor=)",
  "GET  /v1/customers/:id",
  "POST /v1/charges             (honours Idempotency-Key)",
  "GET  /v1/charges             (cursor pages)",
  "GET  /v1/events              (Link header pages)",
  "GET  /health",
];

/** Seeds the default API. */
export function seedDefaultApi(sim: ApiSimulator, customers = 250): void {
  const people = Array.from({ length: customers }, (_, i) => ({ id: `cus_${String(i + 1).padStart(4, "0")}`, object: "customer", name: `Customer ${i + 1}` }));
  const charges: Array<{ id: string; object: string; amount: number; currency: string }> = [];
  sim.collection("/v1/customers", people, { style: "cursor", pageSize: 10 });
  sim.route("GET", "/v1/customers/:id", (req) => {
    const found = people.find((p) => p.id === req.params.id);
    return found
      ? { json: found }
      : {
          status: 404,
          headers: { "x-request-id": `req_${req.seq}` },
          json: { error: { type: "invalid_request_error", message: `No such customer: '${req.params.id}'` } },
        };
  });
  sim.route(
    "POST",
    "/v1/charges",
    (req) => {
      const body = req.headers["content-type"]?.includes("json") ? req.json<Record<string, unknown>>() : Object.fromEntries(req.form());
      const amount = Number(body?.amount);
      if (!Number.isInteger(amount) || amount <= 0)
        return {
          status: 400,
          headers: { "x-request-id": `req_${req.seq}` },
          json: { error: { type: "invalid_request_error", message: "amount must be a positive integer" } },
        };
      const charge = { id: `ch_${String(charges.length + 1).padStart(6, "0")}`, object: "charge", amount, currency: String(body?.currency ?? "usd") };
      charges.push(charge);
      return { status: 201, json: charge };
    },
    { idempotency: true },
  );
  sim.collection("/v1/charges", charges, { style: "cursor", pageSize: 10 });
  sim.collection(
    "/v1/events",
    Array.from({ length: 95 }, (_, i) => ({ id: `evt_${i + 1}`, type: "customer.updated" })),
    { style: "link", pageSize: 20 },
  );
  sim.route("GET", "/health", { json: { status: "ok" } });
}
