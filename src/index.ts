// Public API of the core package `ballast`. Subpaths (ballast/redis, /oauth,
// /webhooks, /graphql, /testing) have their own entry files.

// --- core: types, composition, errors ---
export type { ApiRequest, ApiResponse, HttpMethod, Middleware, Next, RequestBody, RequestContext, RequestHeaders, ResponseHeaders, Transport } from "./types.js";
export type { Clock } from "./clock.js";
export { systemClock } from "./clock.js";
export { compose } from "./compose.js";
export type { Policy } from "./middleware/policy.js";
export * from "./errors.js";
export type { Duration } from "./util/duration.js";
export { undiciTransport, type UndiciTransportOptions } from "./transport/undici.js";
export { fetchTransport, type FetchTransportOptions } from "./transport/fetch.js";
export type { Lock, Store } from "./stores/types.js";

// --- client (issue 2) ---
export { createClient, type CallOptions, type Client, type ClientStats, type Result, type VerbCall } from "./client/create-client.js";
export type { ClientOptions, ClientConfig, RequestOptions } from "./client/options.js";
export type { BodyOptions, MultipartFile, MultipartValue } from "./client/body.js";
export type { ArrayFormat, ParamObject, ParamValue } from "./client/params.js";
export { encodeParams } from "./client/params.js";
export type { ResponseType } from "./client/parse.js";
export type { RouteStats } from "./client/stats.js";
export { bearer, apiKey, basic, type ApiKeyOptions, type BasicOptions, type Secret } from "./middleware/auth.js";
export { retry, DEFAULT_RETRY_METHODS, DEFAULT_RETRY_STATUSES, type RetryEvent, type RetryOptions, type RetryDecisionInput } from "./middleware/retry.js";
export { retryBudget, type RetryBudget, type RetryBudgetOptions } from "./middleware/retry-budget.js";
export { exponentialBackoff, constantBackoff, type Backoff, type ExponentialBackoffOptions } from "./middleware/backoff.js";
export { retryAfterMs } from "./middleware/retry-after.js";
export { timeout, type TimeoutOptions, type TimeoutOverride } from "./middleware/timeout.js";
export { logging, type Logger, type LoggingOptions } from "./middleware/logging.js";
export { validateWithSchema, type InferOutput, type Schema } from "./schema/validate.js";
export { redactUrl, redactHeaders } from "./util/redact.js";

// --- rate limit, concurrency, circuit breaker, memory store (issue 3) ---
export {
  defaultRateLimitKey,
  type RateLimitKeyStats,
  type RateLimitOptions,
  type RateLimitPauseEvent,
  type RateLimitRule,
  type RateLimitStats,
  rateLimit,
  serverPauseMs,
} from "./middleware/rate-limit.js";
export {
  type CircuitBreakerOptions,
  type CircuitKeyStats,
  type CircuitStateChange,
  circuitBreaker,
  isServerFailure,
  type Outcome,
} from "./middleware/circuit-breaker.js";
export { type ConcurrencyKeyStats, type ConcurrencyOptions, concurrency } from "./middleware/concurrency.js";
export { type MemoryStoreOptions, memoryStore } from "./stores/memory.js";
export type { BreakerConfig, BreakerSnapshot, BreakerStateName, Permit, PolicyStore, RateDecision, RateRule } from "./stores/types.js";

// --- pagination, schema, cache, dedupe, batch, streaming (issue 6) ---
export { cursor, offset, page, linkHeader, nextUrl, pages, paginate, parseLinkHeader, PaginationError, isPaginationError } from "./pagination/index.js";
export type { CursorOptions, OffsetOptions, PageNumberOptions, LinkHeaderOptions, Link, NextUrlOptions, Page, PagesOptions, PaginateOptions, PaginationErrorReason, Extractor, PageQuery, PageRequest, PageResponse, PageSender, PaginationStrategy } from "./pagination/index.js";
export type { ClientPagesOptions, ClientPaginateOptions, PageCallOptions } from "./pagination/client-methods.js";
export { shape, type ShapeOptions } from "./schema/shape.js";
export { cache, CACHE_STATUS_HEADER, type CacheOptions, type CacheStats } from "./middleware/cache.js";
export type { CacheStore } from "./middleware/cache-store.js";
export { dedupe, type DedupeOptions, type DedupeStats } from "./middleware/dedupe.js";
export { batch, BatchError, isBatchError, type Batcher, type BatchOptions, type BatchResult, type BatchStats } from "./batch/index.js";
export { sse, ndjson, type SseEvent, type SseOpener, type SseOptions, type NdjsonOptions } from "./streaming/index.js";
export type { ClientSseOptions } from "./streaming/client-methods.js";
