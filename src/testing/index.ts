// `ballast/testing`: the API simulator (plain or a provider's dialect), its reply helpers, a fake clock and signed webhook delivery.

export { CHAOS_FAULTS, type ChaosFault, type ChaosOptions, type ChaosStats } from "./chaos.js";
export { createApiSimulator } from "./create.js";
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
export { echo, problem, type ServerSentEvent, sseReply } from "./fixtures.js";
export type { Injection, InjectOptions } from "./inject.js";
export type { CollectionOptions, PaginationStyle } from "./pagination.js";
export type { RateLimitHeaderStyle, SimRateLimitOptions } from "./rate-limit.js";
export type { RateLimitAlgorithm } from "./rate-limit-algorithms.js";
export type { SimRoute } from "./route.js";
export type { ApiSimulator, ApiSimulatorOptions, SimRateLimit, SimulatorHook } from "./simulator.js";
export type { Fault, Reply, ReplyHandler, RouteOptions, RouteReply, SimRequest } from "./types.js";

export { type DeliverWebhookOptions, deliverWebhook, type WebhookDeliveryResult } from "./webhook-delivery.js";
