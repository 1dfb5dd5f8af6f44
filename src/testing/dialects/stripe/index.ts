import { type Clock, systemClock } from "../../../clock.js";
import type { SimRequest } from "../../types.js";
import { type DeliverWebhookOptions, deliverWebhook, type WebhookDeliveryResult } from "../../webhook-delivery.js";
import { bearerOrBasicUser, masked } from "../credentials.js";
import { base62Id } from "../ids.js";
import { baseOptions, type Dialect, type DialectBaseOptions, type ProviderSimulator } from "../types.js";
import { stripeError, stripeErrorReply } from "./errors.js";
import { type StripeRoutesContext, stripeRoutes } from "./routes.js";
import { type StripeEvent, StripeState } from "./state.js";

export type { Customer, PaymentIntent, StripeEvent } from "./state.js";

export interface StripeSimulatorOptions extends DialectBaseOptions {
  /** The webhook signing secret `deliverWebhook` signs with (default: a random `whsec_...`). */
  webhookSecret?: string;
  /** The `Stripe-Version` answered when a request names none (default the one stripe-node 23 pins). */
  apiVersion?: string;
}

export interface StripeWebhookOptions extends Pick<DeliverWebhookOptions, "timestamp" | "tamper" | "headers" | "signal"> {
  /** Where to POST the event. */
  url: string;
  /** An event to send as is. */
  event?: StripeEvent;
  /** The event type: the latest event of this type the simulator recorded, or a new one around `object`. */
  type?: string;
  /** The `data.object` of a new event (default: for `payment_intent.*`, a payment intent of 2000 usd). */
  object?: Record<string, unknown>;
  /** Default `sim.webhookSecret`. */
  secret?: string;
}

export interface StripeSimulator extends ProviderSimulator {
  readonly provider: "stripe";
  /** The secret `deliverWebhook` signs with: give it to your receiver (`verifyWebhook({ scheme: "stripe", secret })`). */
  readonly webhookSecret: string;
  /** Customers, payment intents and events, in creation order. */
  readonly state: StripeState;
  /** Signs an event as Stripe does (`Stripe-Signature`) and POSTs it to `url`. */
  deliverWebhook(options: StripeWebhookOptions): Promise<WebhookDeliveryResult>;
}

const DEFAULT_API_VERSION = "2026-10-28.endive";
const KEY = /^(sk|rk)_(test|live)_[A-Za-z0-9]{4,}$/;

/** Refuses what Stripe refuses before routing: no key, or something that is not a secret or restricted key. */
function checkKey(req: SimRequest) {
  const key = bearerOrBasicUser(req);
  if (key === undefined || key === "") {
    return stripeError(
      401,
      {
        type: "invalid_request_error",
        message:
          "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.",
      },
      { "www-authenticate": 'Bearer realm="Stripe"' },
    );
  }
  if (!KEY.test(key)) {
    return stripeError(
      401,
      { type: "invalid_request_error", message: `Invalid API Key provided: ${masked(key)}` },
      { "www-authenticate": 'Bearer realm="Stripe"' },
    );
  }
  return undefined;
}

function newEventObject(type: string, clock: Clock): Record<string, unknown> {
  if (!type.startsWith("payment_intent.")) return { id: base62Id("obj_"), object: type.split(".")[0] };
  const id = base62Id("pi_");
  return {
    id,
    object: "payment_intent",
    amount: 2000,
    amount_received: type === "payment_intent.succeeded" ? 2000 : 0,
    currency: "usd",
    status: type === "payment_intent.succeeded" ? "succeeded" : "requires_payment_method",
    client_secret: `${id}_secret_${base62Id("", 24)}`,
    created: Math.floor(clock.now() / 1000),
    livemode: false,
    metadata: {},
  };
}

/** Stripe: `/v1/customers`, `/v1/payment_intents` (+ confirm), `/v1/events`; Stripe's errors, lists, idempotency and webhooks. */
export const stripeDialect: Dialect<StripeSimulatorOptions, StripeSimulator> = async (options, start) => {
  const clock = options.clock ?? systemClock;
  const apiVersion = options.apiVersion ?? DEFAULT_API_VERSION;
  const state = new StripeState(() => clock.now(), apiVersion);
  const requestIds = new WeakMap<SimRequest, string>();
  const requestId = (req: SimRequest): string => {
    let id = requestIds.get(req);
    if (id === undefined) {
      id = base62Id("req_", 14);
      requestIds.set(req, id);
    }
    return id;
  };

  const sim = await start({
    ...baseOptions(options),
    responseHeaders: (req) => {
      const version = req.headers["stripe-version"];
      const headers: Record<string, string> = { "request-id": requestId(req), "stripe-version": typeof version === "string" ? version : apiVersion };
      const key = req.headers["idempotency-key"];
      if (req.method === "POST" && typeof key === "string") headers["idempotency-key"] = key;
      return headers;
    },
    notFound: (req) =>
      stripeError(404, {
        type: "invalid_request_error",
        message: `Unrecognized request URL (${req.method}: ${req.path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
      }),
    errorReply: stripeErrorReply,
  });
  sim.use(checkKey);

  const context: StripeRoutesContext = { state, requestId };
  stripeRoutes(sim, context);

  const webhookSecret = options.webhookSecret ?? base62Id("whsec_", 32);
  const reset = sim.reset.bind(sim);

  return Object.assign(sim, {
    provider: "stripe" as const,
    webhookSecret,
    state,
    reset() {
      reset();
      state.clear();
    },
    deliverWebhook(o: StripeWebhookOptions): Promise<WebhookDeliveryResult> {
      const recorded = o.type === undefined ? undefined : state.events.findLast((e) => e.type === o.type);
      const event =
        o.event ??
        (o.object === undefined ? recorded : undefined) ??
        state.recordEvent(o.type ?? "payment_intent.succeeded", o.object ?? newEventObject(o.type ?? "payment_intent.succeeded", clock));
      return deliverWebhook({
        url: o.url,
        scheme: "stripe",
        secret: o.secret ?? webhookSecret,
        payload: JSON.stringify(event, null, 2),
        clock,
        ...(o.timestamp !== undefined && { timestamp: o.timestamp }),
        ...(o.tamper !== undefined && { tamper: o.tamper }),
        ...(o.headers !== undefined && { headers: o.headers }),
        ...(o.signal !== undefined && { signal: o.signal }),
      });
    },
  });
};
