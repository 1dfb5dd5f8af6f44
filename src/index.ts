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

// --- rate limit, concurrency, circuit breaker, memory store (issue 3) ---

// --- pagination, schema, cache, dedupe, batch, streaming (issue 6) ---
