import { base62Id } from "../ids.js";

export interface Customer {
  id: string;
  object: "customer";
  created: number;
  email: string | null;
  name: string | null;
  description: string | null;
  phone: string | null;
  metadata: Record<string, string>;
  livemode: false;
  [field: string]: unknown;
}

export interface PaymentIntent {
  id: string;
  object: "payment_intent";
  amount: number;
  amount_received: number;
  currency: string;
  customer: string | null;
  description: string | null;
  metadata: Record<string, string>;
  payment_method: string | null;
  payment_method_types: string[];
  automatic_payment_methods: { enabled: boolean } | null;
  status: "requires_payment_method" | "requires_confirmation" | "succeeded" | "canceled";
  client_secret: string;
  capture_method: "automatic";
  confirmation_method: "automatic";
  created: number;
  last_payment_error: Record<string, unknown> | null;
  latest_charge: string | null;
  livemode: false;
  next_action: null;
  [field: string]: unknown;
}

export interface StripeEvent {
  id: string;
  object: "event";
  api_version: string;
  created: number;
  type: string;
  data: { object: unknown };
  livemode: false;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
}

/** What the Stripe simulator remembers: objects in creation order, and the events they produced. */
export class StripeState {
  readonly customers = new Map<string, Customer>();
  readonly paymentIntents = new Map<string, PaymentIntent>();
  readonly events: StripeEvent[] = [];

  constructor(
    readonly now: () => number,
    readonly apiVersion: string,
  ) {}

  /** Unix seconds. */
  created(): number {
    return Math.floor(this.now() / 1000);
  }

  recordEvent(type: string, object: unknown, request: StripeEvent["request"] = { id: null, idempotency_key: null }): StripeEvent {
    const event: StripeEvent = {
      id: base62Id("evt_"),
      object: "event",
      api_version: this.apiVersion,
      created: this.created(),
      type,
      data: { object: structuredClone(object) },
      livemode: false,
      pending_webhooks: 1,
      request,
    };
    this.events.push(event);
    return event;
  }

  clear(): void {
    this.customers.clear();
    this.paymentIntents.clear();
    this.events.length = 0;
  }
}
