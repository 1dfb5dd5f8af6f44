import type { ApiSimulator } from "../../simulator.js";
import type { Reply, SimRequest } from "../../types.js";
import { type FormObject, parseNestedForm } from "../form.js";
import { base62Id } from "../ids.js";
import { invalidRequest, missingParam, noSuch, stripeError } from "./errors.js";
import { boolean, expansions, integer, metadata, onlyKnown, optionalString, StripeParamError } from "./params.js";
import { confirm, knownPaymentMethod } from "./payments.js";
import type { Customer, PaymentIntent, StripeState } from "./state.js";

export interface StripeRoutesContext {
  state: StripeState;
  requestId: (req: SimRequest) => string;
}

type Handler = (params: FormObject, req: SimRequest) => Reply;

/** Parameters from the form body (POST) or the query string (GET, DELETE); a refused one answers its error. */
function withParams(handler: Handler): (req: SimRequest) => Reply {
  return (req) => {
    const params = parseNestedForm(req.method === "POST" ? req.text() : req.searchParams);
    try {
      return handler(params, req);
    } catch (error) {
      if (error instanceof StripeParamError) return error.reply;
      throw error;
    }
  };
}

const CUSTOMER_FIELDS = ["email", "name", "description", "phone", "metadata"] as const;
const PAYMENT_INTENT_FIELDS = [
  "amount",
  "currency",
  "customer",
  "description",
  "metadata",
  "payment_method",
  "payment_method_types",
  "automatic_payment_methods",
  "confirm",
  "receipt_email",
  "return_url",
];

/** Answers a Stripe list: newest first, `limit` (1-100, default 10), `starting_after` / `ending_before` ids. */
function list<T extends { id: string }>(items: readonly T[], params: FormObject, url: string, what: string): Reply {
  const limit = integer(params, "limit") ?? 10;
  if (limit < 1 || limit > 100) return invalidRequest("This value must be greater than or equal to 1 and less than or equal to 100.", "limit");
  const newestFirst = [...items].reverse();
  const after = optionalString(params, "starting_after");
  const before = optionalString(params, "ending_before");
  let start = 0;
  let end: number;
  if (after !== undefined) {
    const i = newestFirst.findIndex((x) => x.id === after);
    if (i === -1) return noSuch(what, after, "starting_after");
    start = i + 1;
    end = Math.min(start + limit, newestFirst.length);
  } else if (before !== undefined) {
    end = newestFirst.findIndex((x) => x.id === before);
    if (end === -1) return noSuch(what, before, "ending_before");
    start = Math.max(0, end - limit);
  } else end = Math.min(limit, newestFirst.length);
  const hasMore = before !== undefined ? start > 0 : end < newestFirst.length;
  return { json: { object: "list", data: newestFirst.slice(start, end), has_more: hasMore, url } };
}

export function stripeRoutes(sim: ApiSimulator, { state, requestId }: StripeRoutesContext): void {
  const idempotent = {
    idempotency: {
      conflict: (kind: "mismatch" | "in-flight"): Reply =>
        kind === "mismatch"
          ? stripeError(400, {
              type: "idempotency_error",
              message:
                "Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than the one you used if you meant to execute a different request.",
            })
          : stripeError(409, {
              type: "invalid_request_error",
              code: "idempotency_key_in_use",
              message: "There is currently another in-progress request using this Stripe-Idempotency-Key. Please try again later.",
            }),
    },
  };
  const eventRequest = (req: SimRequest) => {
    const key = req.headers["idempotency-key"];
    return { id: requestId(req), idempotency_key: typeof key === "string" ? key : null };
  };

  const withCustomer = (pi: PaymentIntent, expand: readonly string[], prefix = ""): unknown => {
    if (!expand.includes(`${prefix}customer`) || pi.customer === null) return pi;
    return { ...pi, customer: state.customers.get(pi.customer) ?? pi.customer };
  };

  // --- customers ---
  sim.route(
    "POST",
    "/v1/customers",
    withParams((params, req) => {
      onlyKnown(params, CUSTOMER_FIELDS);
      const customer: Customer = {
        id: base62Id("cus_", 14),
        object: "customer",
        created: state.created(),
        email: optionalString(params, "email") ?? null,
        name: optionalString(params, "name") ?? null,
        description: optionalString(params, "description") ?? null,
        phone: optionalString(params, "phone") ?? null,
        metadata: metadata(params),
        livemode: false,
      };
      state.customers.set(customer.id, customer);
      state.recordEvent("customer.created", customer, eventRequest(req));
      return { json: customer };
    }),
    idempotent,
  );
  sim.route(
    "GET",
    "/v1/customers",
    withParams((params) => {
      const email = optionalString(params, "email");
      const all = [...state.customers.values()].filter((c) => email === undefined || c.email === email);
      return list(all, params, "/v1/customers", "customer");
    }),
  );
  sim.route(
    "GET",
    "/v1/customers/:id",
    withParams((_params, req) => {
      const customer = state.customers.get(req.params.id!);
      return customer ? { json: customer } : noSuch("customer", req.params.id!);
    }),
  );
  sim.route(
    "POST",
    "/v1/customers/:id",
    withParams((params, req) => {
      const customer = state.customers.get(req.params.id!);
      if (!customer) return noSuch("customer", req.params.id!);
      onlyKnown(params, CUSTOMER_FIELDS);
      for (const field of ["email", "name", "description", "phone"] as const) {
        const value = optionalString(params, field);
        if (value !== undefined) customer[field] = value === "" ? null : value;
      }
      customer.metadata = metadata(params, customer.metadata);
      state.recordEvent("customer.updated", customer, eventRequest(req));
      return { json: customer };
    }),
    idempotent,
  );
  sim.route(
    "DELETE",
    "/v1/customers/:id",
    withParams((_params, req) => {
      const id = req.params.id!;
      const customer = state.customers.get(id);
      if (!customer) return noSuch("customer", id);
      state.customers.delete(id);
      state.recordEvent("customer.deleted", customer, eventRequest(req));
      return { json: { id, object: "customer", deleted: true } };
    }),
  );

  // --- payment intents ---
  const confirmAndRecord = (pi: PaymentIntent, req: SimRequest, params: FormObject): Reply => {
    const outcome = confirm(pi, requestId(req));
    if (!outcome.ok) {
      if (pi.last_payment_error !== null) state.recordEvent("payment_intent.payment_failed", pi, eventRequest(req));
      return outcome.reply;
    }
    state.recordEvent("payment_intent.succeeded", pi, eventRequest(req));
    return { json: withCustomer(pi, expansions(params)) };
  };

  sim.route(
    "POST",
    "/v1/payment_intents",
    withParams((params, req) => {
      onlyKnown(params, PAYMENT_INTENT_FIELDS);
      const amount = integer(params, "amount");
      if (amount === undefined) return missingParam("amount");
      if (amount < 1) return invalidRequest("This value must be greater than or equal to 1.", "amount", "parameter_invalid_integer");
      const currency = optionalString(params, "currency");
      if (currency === undefined) return missingParam("currency");
      if (!/^[a-z]{3}$/i.test(currency)) return invalidRequest(`Invalid currency: ${currency}.`, "currency");
      const customer = optionalString(params, "customer");
      if (customer !== undefined && !state.customers.has(customer)) return noSuch("customer", customer, "customer");
      const paymentMethod = optionalString(params, "payment_method");
      if (paymentMethod !== undefined && !knownPaymentMethod(paymentMethod)) return noSuch("PaymentMethod", paymentMethod, "payment_method");
      const automatic = params.automatic_payment_methods;
      const id = base62Id("pi_");
      const pi: PaymentIntent = {
        id,
        object: "payment_intent",
        amount,
        amount_received: 0,
        currency: currency.toLowerCase(),
        customer: customer ?? null,
        description: optionalString(params, "description") ?? null,
        metadata: metadata(params),
        payment_method: paymentMethod ?? null,
        payment_method_types: Array.isArray(params.payment_method_types) ? params.payment_method_types.map(String) : ["card"],
        automatic_payment_methods: typeof automatic === "object" && !Array.isArray(automatic) ? { enabled: automatic.enabled === "true" } : null,
        status: paymentMethod === undefined ? "requires_payment_method" : "requires_confirmation",
        client_secret: `${id}_secret_${base62Id("", 24)}`,
        capture_method: "automatic",
        confirmation_method: "automatic",
        created: state.created(),
        last_payment_error: null,
        latest_charge: null,
        livemode: false,
        next_action: null,
      };
      state.paymentIntents.set(id, pi);
      state.recordEvent("payment_intent.created", pi, eventRequest(req));
      if (boolean(params, "confirm") === true) return confirmAndRecord(pi, req, params);
      return { json: withCustomer(pi, expansions(params)) };
    }),
    idempotent,
  );
  sim.route(
    "GET",
    "/v1/payment_intents",
    withParams((params) => {
      const customer = optionalString(params, "customer");
      const all = [...state.paymentIntents.values()].filter((p) => customer === undefined || p.customer === customer);
      const reply = list(all, params, "/v1/payment_intents", "payment_intent");
      const expand = expansions(params);
      if (!expand.includes("data.customer") || !reply.json) return reply;
      const page = reply.json as { data: PaymentIntent[] };
      return { json: { ...page, data: page.data.map((pi) => withCustomer(pi, expand, "data.")) } };
    }),
  );
  sim.route(
    "GET",
    "/v1/payment_intents/:id",
    withParams((params, req) => {
      const pi = state.paymentIntents.get(req.params.id!);
      return pi ? { json: withCustomer(pi, expansions(params)) } : noSuch("payment_intent", req.params.id!);
    }),
  );
  sim.route(
    "POST",
    "/v1/payment_intents/:id/confirm",
    withParams((params, req) => {
      const pi = state.paymentIntents.get(req.params.id!);
      if (!pi) return noSuch("payment_intent", req.params.id!);
      onlyKnown(params, ["payment_method", "return_url", "receipt_email"]);
      const paymentMethod = optionalString(params, "payment_method");
      if (paymentMethod !== undefined) {
        if (!knownPaymentMethod(paymentMethod)) return noSuch("PaymentMethod", paymentMethod, "payment_method");
        if (pi.status === "requires_payment_method" || pi.status === "requires_confirmation") pi.payment_method = paymentMethod;
      }
      return confirmAndRecord(pi, req, params);
    }),
    idempotent,
  );

  // --- events ---
  sim.route(
    "GET",
    "/v1/events",
    withParams((params) => {
      const type = optionalString(params, "type");
      return list(
        state.events.filter((e) => type === undefined || e.type === type),
        params,
        "/v1/events",
        "event",
      );
    }),
  );
  sim.route(
    "GET",
    "/v1/events/:id",
    withParams((_params, req) => {
      const event = state.events.find((e) => e.id === req.params.id);
      return event ? { json: event } : noSuch("event", req.params.id!);
    }),
  );
}
