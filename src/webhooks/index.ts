// Public API of `ballast/webhooks`.

export { type Dashboard, type DashboardOptions, type LiveStats, startDashboard } from "../dashboard/index.js";
export { isWebhookVerificationError, WebhookVerificationError, type WebhookVerificationReason } from "./errors.js";
export type {
  GitHubWebhookEvent,
  SendgridWebhookEvent,
  SlackWebhookEvent,
  StandardWebhookEvent,
  StripeEvent,
  WebhookEventMap,
  WebhookEventOf,
} from "./events.js";
export type { WebhookHandler, WebhookHandlerContext, WebhookHandlers } from "./handlers.js";
export { memoryInbox } from "./inbox/memory.js";
export { type PostgresInboxOptions, postgresInbox } from "./inbox/postgres.js";
export { type SqliteInboxOptions, sqliteInbox } from "./inbox/sqlite.js";
export type {
  AtomicEffect,
  ClaimOptions,
  InboxCounts,
  InboxEvent,
  InboxEventInput,
  InboxStatus,
  ListOptions,
  PurgeOptions,
  WebhookInbox,
} from "./inbox/types.js";
export type { RawPayload } from "./payload.js";
export type { IncomingWebhook, WebhookReply } from "./receive.js";
export { createWebhookReceiver, type WebhookReceiver, type WebhookReceiverOptions } from "./receiver.js";
export { type HmacSchemeOptions, hmacScheme } from "./schemes/hmac.js";
export { resolveScheme, type SchemeName, schemes } from "./schemes/index.js";
export { generateStandardKeyPair, type StandardKeyPair, standardKey } from "./schemes/standard-keys.js";
export { twilioJsonUrl, twilioSignedContent } from "./schemes/twilio.js";
export { type SignWebhookOptions, signWebhook } from "./sign.js";
export type {
  EventIdentity,
  HeaderReader,
  SchemeKey,
  SchemeSignInput,
  SchemeVerifyInput,
  WebhookHeaders,
  WebhookScheme,
  WebhookSecret,
  WebhookSecrets,
} from "./types.js";
export {
  createVerifier,
  DEFAULT_MAX_BYTES,
  type VerifiedWebhook,
  type Verifier,
  type VerifierOptions,
  type VerifyWebhookOptions,
  verifyWebhook,
} from "./verify.js";
export { createWebhookWorker, type WebhookWorker, type WebhookWorkerOptions, type WebhookWorkerStats } from "./worker.js";
