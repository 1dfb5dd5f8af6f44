/**
 * The shapes of the events each built-in scheme delivers, so handlers are
 * typed by the receiver's `scheme`. They hold the fields every event of the
 * provider carries; what varies by event type (`data.object`, GitHub's
 * payload fields) is `any`, so a handler can annotate it with the shape it
 * expects, or with the official SDK's type (`Stripe.Event`).
 */
/* biome-ignore-all lint/suspicious/noExplicitAny: the per-type payload is the provider's; handlers annotate it */

/** A Stripe event (`evt_…`), as delivered to webhook endpoints. */
export interface StripeEvent {
  id: string;
  object: "event";
  /** `invoice.paid`, `customer.subscription.updated`, ... */
  type: string;
  /** Unix seconds. */
  created: number;
  livemode: boolean;
  api_version: string | null;
  /** The Connect account the event belongs to, if any. */
  account?: string;
  data: {
    object: any;
    /** For `*.updated` events: the fields as they were before. */
    previous_attributes?: Record<string, unknown>;
  };
  request?: { id: string | null; idempotency_key: string | null } | null;
  pending_webhooks?: number;
}

/** A GitHub webhook payload; the event name is in `X-GitHub-Event` (the handler's key is `name.action`). */
export interface GitHubWebhookEvent {
  action?: string;
  sender?: any;
  repository?: any;
  organization?: any;
  installation?: any;
  [field: string]: any;
}

/** A Standard Webhooks (Svix) event: `{ type, timestamp, data }`. */
export interface StandardWebhookEvent {
  type: string;
  /** ISO 8601. */
  timestamp: string;
  data: any;
}

/** A Slack Events API delivery (`event_callback`; `url_verification` is answered by the receiver). */
export interface SlackWebhookEvent {
  type: string;
  token?: string;
  team_id?: string;
  api_app_id?: string;
  event_id?: string;
  event_time?: number;
  event?: any;
  [field: string]: any;
}

/** Each built-in scheme's event type. */
/** One event of a SendGrid event webhook batch (`processed`, `delivered`, `open`, `bounce`, ...). */
export interface SendgridWebhookEvent {
  email: string;
  /** Unix seconds. */
  timestamp: number;
  event: string;
  sg_event_id: string;
  sg_message_id: string;
  [field: string]: any;
}

export interface WebhookEventMap {
  stripe: StripeEvent;
  github: GitHubWebhookEvent;
  standard: StandardWebhookEvent;
  slack: SlackWebhookEvent;
  /** The resource itself (an order, a product); the topic is in `X-Shopify-Topic`. */
  shopify: Record<string, any>;
  /** The form parameters Twilio posts (`MessageSid`, `From`, `Body`, ...). */
  twilio: Record<string, string>;
  /** A batch: SendGrid posts a JSON array of events. */
  sendgrid: SendgridWebhookEvent[];
}

/** The event type handlers receive for a scheme: known for built-in schemes, `unknown` for custom ones. */
export type WebhookEventOf<S> = S extends keyof WebhookEventMap ? WebhookEventMap[S] : unknown;
