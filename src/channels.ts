/**
 * Every event ballast publishes, in one place. Each is a
 * `node:diagnostics_channel` channel: publishing costs one `hasSubscribers`
 * check when nobody listens. `ballast/telemetry` (spans and metrics) and
 * `logEvents()` (structured logs) subscribe here; so can anything else:
 *
 * ```ts
 * import { subscribe } from "node:diagnostics_channel";
 * subscribe("ballast:request:end", (e) => console.log(e));
 * ```
 *
 * Messages never hold secrets: URLs are redacted, headers and bodies are not
 * published (only header names added by subscribers on `attempt:start`).
 * docs/observability.md describes each channel and its message.
 */
import diagnostics from "node:diagnostics_channel";
import type { ErrorRequest } from "./errors.js";

/** The channel names. Stable: code outside the package subscribes by name. */
export const CHANNELS = {
  /** A call starts: a verb or `request()`, `raw()`, each page of `paginate()`/`pages()`, each connection of `sse()`. */
  requestStart: "ballast:request:start",
  /** A call ended with a response (for verbs: after the body was read and validated). */
  requestEnd: "ballast:request:end",
  /** A call failed (HTTP errors included for verbs, which throw them). */
  requestError: "ballast:request:error",
  /** An attempt is about to be retried. */
  requestRetry: "ballast:request:retry",
  /** One attempt goes to the transport (subscribers may add headers, e.g. `traceparent`). */
  attemptStart: "ballast:attempt:start",
  /** One attempt got its response headers, or failed. */
  attemptEnd: "ballast:attempt:end",
  /** A request waited for its rate-limit slot. */
  rateLimitWait: "ballast:ratelimit:wait",
  /** A circuit breaker changed state. */
  circuitState: "ballast:circuit:state",
  /** The HTTP cache answered (`hit`, `revalidated`) or had to ask (`miss`). */
  cacheLookup: "ballast:cache:lookup",
  /** An OAuth token was renewed (or renewing it failed). */
  tokenRefresh: "ballast:oauth:refresh",
  /** A webhook delivery arrived at a receiver (before verification). */
  webhookReceived: "ballast:webhook:received",
  /** A delivery verified and was stored (or was a duplicate of a stored one). */
  webhookVerified: "ballast:webhook:verified",
  /** A delivery was refused (bad signature, stale, wrong content type, storage down). */
  webhookRejected: "ballast:webhook:rejected",
  /** A handler finished an event; it is done. */
  webhookProcessed: "ballast:webhook:processed",
  /** A handler failed; the event will be retried or is dead. */
  webhookFailed: "ballast:webhook:failed",
  /** An event went to dead letters. */
  webhookDead: "ballast:webhook:dead",
} as const;

export type ChannelName = (typeof CHANNELS)[keyof typeof CHANNELS];

/** Which client method a call came from. */
export type CallKind = "request" | "raw" | "paginate" | "pages" | "sse";

export interface RequestStartEvent {
  kind: CallKind;
  request: ErrorRequest;
  /** The path template (`/users/:id`). */
  route: string;
  origin: string;
}

/**
 * Where a call's time went, in ms: queued on this side (each cause, and their
 * sum) apart from the API's own latency. `durationMs` holds both and more
 * (failed attempts, reading a body between attempts).
 */
export interface CallTimes {
  /** Time queued on this side: the sum of `queue`'s three. */
  queueMs: number;
  queue: {
    /** Waiting for a rate-limit slot (every attempt's wait, summed). */
    rateLimitMs: number;
    /** Waiting for a concurrency permit. */
    concurrencyMs: number;
    /** Retry backoff (`Retry-After` included). */
    backoffMs: number;
  };
  /**
   * The API's latency of the call's last attempt that got an answer: from
   * sending to the end of its body. `undefined` when no attempt got one, and
   * for `raw()` and `sse()`, whose body the caller reads after the call ended.
   */
  apiMs: number | undefined;
  /** The same attempt, from sending to its response headers; `undefined` when no attempt got an answer. */
  firstByteMs: number | undefined;
}

export interface RequestEndEvent extends RequestStartEvent, CallTimes {
  status: number;
  attempts: number;
  durationMs: number;
}

export interface RequestErrorEvent extends RequestStartEvent, CallTimes {
  error: unknown;
  durationMs: number;
}

export interface AttemptStartEvent {
  request: ErrorRequest;
  method: string;
  origin: string;
  route: string;
  /** 1 for the first try. */
  attempt: number;
  /** Headers a subscriber wants sent with this attempt (trace context); start empty. */
  headers: Record<string, string>;
}

export interface AttemptEndEvent {
  /** The same object `attempt:start` carried, so a subscriber can match the two. */
  start: AttemptStartEvent;
  status: number | undefined;
  error: unknown;
  durationMs: number;
}

export interface RateLimitWaitEvent {
  key: string;
  request: ErrorRequest;
  waitMs: number;
}

export interface CacheLookupEvent {
  result: "hit" | "revalidated" | "miss";
  request: ErrorRequest;
  route: string;
}

export interface TokenRefreshEvent {
  connectionId: string;
  outcome: "success" | "failure";
  durationMs: number;
  error?: unknown;
}

export interface WebhookReceivedEvent {
  scheme: string;
  bytes: number;
}

export interface WebhookVerifiedEvent {
  scheme: string;
  id: string;
  type: string | undefined;
  duplicate: boolean;
}

export interface WebhookRejectedEvent {
  scheme: string;
  /** A `WebhookVerificationError` reason, `unsupported_media_type`, `method_not_allowed` or `storage_unavailable`. */
  reason: string;
  status: number;
}

export interface WebhookOutcomeEvent {
  scheme: string;
  id: string;
  type: string | undefined;
  attempt: number;
}

export interface WebhookProcessedEvent extends WebhookOutcomeEvent {
  /** From receipt to done, ms: how far behind the worker runs. */
  lagMs: number;
  durationMs: number;
}

export interface WebhookFailedEvent extends WebhookOutcomeEvent {
  error: unknown;
  /** False when this failure sends the event to dead letters. */
  willRetry: boolean;
}

export interface WebhookDeadEvent extends WebhookOutcomeEvent {
  reason: string;
}

/** The message type of each channel. */
export interface ChannelMessages {
  "ballast:request:start": RequestStartEvent;
  "ballast:request:end": RequestEndEvent;
  "ballast:request:error": RequestErrorEvent;
  "ballast:request:retry": { request: ErrorRequest; attempt: number; delay: number; status?: number; error?: unknown };
  "ballast:attempt:start": AttemptStartEvent;
  "ballast:attempt:end": AttemptEndEvent;
  "ballast:ratelimit:wait": RateLimitWaitEvent;
  "ballast:circuit:state": { key: string; from: string; to: string; retryAt?: number | undefined };
  "ballast:cache:lookup": CacheLookupEvent;
  "ballast:oauth:refresh": TokenRefreshEvent;
  "ballast:webhook:received": WebhookReceivedEvent;
  "ballast:webhook:verified": WebhookVerifiedEvent;
  "ballast:webhook:rejected": WebhookRejectedEvent;
  "ballast:webhook:processed": WebhookProcessedEvent;
  "ballast:webhook:failed": WebhookFailedEvent;
  "ballast:webhook:dead": WebhookDeadEvent;
}

/** A channel whose messages are typed. */
export interface TypedChannel<N extends ChannelName> {
  readonly name: N;
  readonly hasSubscribers: boolean;
  publish(message: ChannelMessages[N]): void;
}

/** The channel object for a name (the same object `diagnostics_channel.channel(name)` returns). */
export function channel<N extends ChannelName>(name: N): TypedChannel<N> {
  return diagnostics.channel(name) as unknown as TypedChannel<N>;
}

/**
 * Subscribes `listener` to `name`; returns the function that unsubscribes.
 * Errors thrown by a listener are reported by Node on the next tick (they
 * never reach the publisher).
 */
export function subscribeChannel<N extends ChannelName>(name: N, listener: (message: ChannelMessages[N]) => void): () => void {
  const l = listener as (message: unknown, name: string | symbol) => void;
  diagnostics.subscribe(name, l);
  return () => {
    diagnostics.unsubscribe(name, l);
  };
}
