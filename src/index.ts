// `ballast`: what a user calls and the types they annotate with. Each subpath
// (ballast/redis, /oauth, /webhooks, /graphql, /providers, /testing,
// /telemetry) has its own entry file; test/package/exports.test.ts lists them all.

export { BatchError, type Batcher, type BatchOptions, type BatchResult, type BatchStats, batch, isBatchError } from "./batch/index.js";
export {
  type AttemptEndEvent,
  type AttemptStartEvent,
  type CacheLookupEvent,
  type CallKind,
  type CallTimes,
  CHANNELS,
  type ChannelMessages,
  type ChannelName,
  type RateLimitWaitEvent,
  type RequestEndEvent,
  type RequestErrorEvent,
  type RequestStartEvent,
  subscribeChannel,
  type TokenRefreshEvent,
  type WebhookDeadEvent,
  type WebhookFailedEvent,
  type WebhookProcessedEvent,
  type WebhookReceivedEvent,
  type WebhookRejectedEvent,
  type WebhookVerifiedEvent,
} from "./channels.js";
export type { BodyOptions, MultipartFile, MultipartValue } from "./client/body.js";
export type { CallPromise, ResponseInfo, WithResponse } from "./client/call.js";
export type { CookieValue } from "./client/cookies.js";
export {
  type CallOptionsFor,
  type Client,
  type ClientStats,
  createClient,
  type RequestOptionsFor,
  type Result,
} from "./client/create-client.js";
export type { OperationOf, PathsWithMethod, ResponseData } from "./client/openapi.js";
export type { BaseCallOptions, CallOptions, CallRetryOptions, ClientConfig, ClientOptions, HealthEndpoint, RequestOptions } from "./client/options.js";
export type { ClientPagesOptions, ClientPaginateOptions, PageCallOptions } from "./client/pagination-methods.js";
export type { ArrayFormat, ParamObject, ParamValue } from "./client/params.js";
export type { ParamsOption, PathParamNames, PathParams, PathParamsOf } from "./client/path-params.js";
export type { RouteStats } from "./client/stats.js";
export type { ClientSseOptions } from "./client/streaming-methods.js";
export type { Clock } from "./clock.js";
export { systemClock } from "./clock.js";
export { compose } from "./compose.js";
export * from "./errors.js";
export {
  type CheckHealthOptions,
  type CheckResult,
  type CustomCheck,
  type CustomCheckResult,
  checkHealth,
  type HealthReport,
  type HealthRoute,
  type HealthStatus,
  type HealthTarget,
  healthCheck,
  healthRoute,
  type InboxThresholds,
} from "./health/index.js";
export { type ApiKeyOptions, type AuthMiddleware, apiKey, type BasicOptions, basic, bearer, type Secret } from "./middleware/auth/auth.js";
export { CACHE_STATUS_HEADER, type CacheOptions, type CacheStats, cache } from "./middleware/cache/cache.js";
export type { CacheStore } from "./middleware/cache/store.js";
export {
  type CircuitBreakerKeyStats,
  type CircuitBreakerOptions,
  type CircuitBreakerStateChange,
  type CircuitKeyStats,
  type CircuitStateChange,
  circuitBreaker,
  isServerFailure,
  type Outcome,
} from "./middleware/circuit-breaker/circuit-breaker.js";
export { type ConcurrencyKeyStats, type ConcurrencyOptions, concurrency } from "./middleware/concurrency/concurrency.js";
export { type DedupeOptions, type DedupeStats, dedupe } from "./middleware/dedupe/dedupe.js";
export { logEvents } from "./middleware/logging/events.js";
export { type Logger, type LoggingOptions, logging } from "./middleware/logging/logging.js";
export type { Policy } from "./middleware/policy.js";
export {
  defaultRateLimitKey,
  type RateLimitKeyStats,
  type RateLimitOptions,
  type RateLimitPauseEvent,
  type RateLimitRule,
  type RateLimitStats,
  rateLimit,
  type ServerQuota,
} from "./middleware/rate-limit/rate-limit.js";
export { type Backoff, constantBackoff, type ExponentialBackoffOptions, exponentialBackoff } from "./middleware/retry/backoff.js";
export { type RetryBudget, type RetryBudgetOptions, retryBudget } from "./middleware/retry/budget.js";
export { DEFAULT_RETRY_METHODS, DEFAULT_RETRY_STATUSES, type RetryDecisionInput, type RetryEvent, type RetryOptions, retry } from "./middleware/retry/retry.js";
export { type TimeoutOptions, type TimeoutOverride, timeout } from "./middleware/timeout/timeout.js";
export type {
  CursorOptions,
  Extractor,
  Link,
  LinkHeaderOptions,
  NextUrlOptions,
  OffsetOptions,
  Page,
  PageNumberOptions,
  PageQuery,
  PageRequest,
  PageResponse,
  PageSender,
  PagesOptions,
  PaginateOptions,
  PaginationErrorReason,
  PaginationStrategy,
} from "./pagination/index.js";
export { cursor, isPaginationError, linkHeader, nextUrl, offset, PaginationError, page, pages, paginate, parseLinkHeader } from "./pagination/index.js";
export { addSecretParams, redactHeaders, redactUrl } from "./redact.js";
export { readApiError } from "./response/api-error.js";
export type { ResponseType } from "./response/parse.js";
export { type ShapeOptions, shape } from "./schema/shape.js";
export type { InferOutput, Schema } from "./schema/validate.js";
export { type MemoryStoreOptions, memoryStore } from "./stores/memory.js";
export type {
  BreakerConfig,
  BreakerFastPath,
  BreakerSnapshot,
  BreakerStateName,
  Lock,
  Permit,
  PermitFastPath,
  PolicyStore,
  RateDecision,
  RateFastPath,
  RateRule,
  Store,
} from "./stores/types.js";
export { type NdjsonOptions, ndjson, type SseEvent, type SseOpener, type SseOptions, sse } from "./streaming/index.js";
export { type FetchTransportOptions, fetchTransport } from "./transport/fetch.js";
export { type UndiciTransportOptions, undiciTransport } from "./transport/undici.js";
export type {
  ApiErrorInfo,
  ApiErrorReader,
  ApiRequest,
  ApiResponse,
  HttpMethod,
  Middleware,
  Next,
  RedirectMode,
  RequestBody,
  RequestContext,
  RequestHeaders,
  ResponseHeaders,
  ResponseReading,
  Transport,
} from "./types.js";
export type { Duration } from "./util/duration.js";
