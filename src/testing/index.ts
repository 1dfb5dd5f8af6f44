// Public API of `ballast/testing`: the API simulator and a fake clock.

export { CHAOS_FAULTS, type ChaosFault, type ChaosOptions, type ChaosStats } from "./chaos.js";
export type {
  GithubAppCredentials,
  GithubControls,
  GithubIssue,
  GithubRepository,
  GithubSimulator,
  GithubSimulatorOptions,
  GithubUser,
  GithubWebhookOptions,
  SecondaryRateLimitOptions,
} from "./dialects/github/index.js";
export type { DialectOptions, DialectSimulator, ProviderName } from "./dialects/index.js";
export type {
  MarketingList,
  SendgridEvent,
  SendgridSimulator,
  SendgridSimulatorOptions,
  SendgridWebhookOptions,
  SentMail,
} from "./dialects/sendgrid/index.js";
export type {
  GraphQLAnswer,
  GraphQLRequest,
  GraphQLResolver,
  ShopifyControls,
  ShopifyProduct,
  ShopifySimulator,
  ShopifySimulatorOptions,
  ShopifyWebhookOptions,
} from "./dialects/shopify/index.js";
export type {
  SlackChannel,
  SlackControls,
  SlackMessage,
  SlackRateLimitOptions,
  SlackSimulator,
  SlackSimulatorOptions,
  SlackWebhookOptions,
} from "./dialects/slack/index.js";
export type { Customer, PaymentIntent, StripeEvent, StripeSimulator, StripeSimulatorOptions, StripeWebhookOptions } from "./dialects/stripe/index.js";
export type { Message, MessageStatus, StoredMessage, TwilioSimulator, TwilioSimulatorOptions, TwilioStatusCallbackOptions } from "./dialects/twilio/index.js";
export type { ProviderSimulator } from "./dialects/types.js";
export { createFakeClock, type FakeClock } from "./fake-clock.js";
export { echo, problem, type ServerSentEvent, sse } from "./fixtures.js";
export type { IdempotencyDecision } from "./idempotency.js";
export { IdempotencyStore } from "./idempotency.js";
export type { Injection, InjectOptions } from "./inject.js";
export { type CollectionOptions, collectionHandler, type PaginationStyle } from "./pagination.js";
export { compilePathTemplate, type PathMatcher } from "./path-template.js";
export { applyRateLimits, type RateLimitHeaderStyle, SimLimiter, type SimRateLimitOptions } from "./rate-limit.js";
export type { RateLimitAlgorithm } from "./rate-limit-algorithms.js";
export { type EncodedReply, encodeReply } from "./reply.js";
export { SimRoute } from "./route.js";
export { sendReply, type Wait } from "./send-reply.js";
export { type ApiSimulator, type ApiSimulatorOptions, createApiSimulator, type SimRateLimit, type SimulatorHook } from "./simulator.js";
export type { Fault, Reply, ReplyHandler, RouteOptions, RouteReply, SimRequest } from "./types.js";

// --- signed webhook delivery (src/testing/webhook-delivery.ts, owned by the webhooks engineer) ---
export { type DeliverWebhookOptions, deliverWebhook, type WebhookDeliveryResult } from "./webhook-delivery.js";
