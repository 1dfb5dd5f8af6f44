import type { Readable } from "node:stream";

/** HTTP method, upper case. */
export type HttpMethod = "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS" | (string & {});

/**
 * A request body as the transport sends it. Strings, bytes and FormData can be
 * sent again on a retry; a stream can be sent once (see `ApiRequest.replayable`).
 */
export type RequestBody = string | Uint8Array | FormData | Readable | AsyncIterable<Uint8Array>;

/** Lower-case header names to values. */
export type RequestHeaders = Record<string, string>;

/** Lower-case header names to values, as received (repeated headers are arrays). */
export type ResponseHeaders = Record<string, string | string[] | undefined>;

/**
 * A request as it flows through the middleware pipeline. Middleware never
 * mutates the object it receives: it passes a copy (`{ ...req, headers }`).
 */
export interface ApiRequest {
  method: HttpMethod;
  /** Scheme, host and port, e.g. `https://api.example.com`. */
  origin: string;
  /** Encoded path and query string, starting with `/`. */
  path: string;
  /** The path template the caller used (`/users/:id`): the key for per-route stats and policies. */
  route: string;
  headers: RequestHeaders;
  /** The body, or a function the transport calls on each attempt to get a fresh one. */
  body?: RequestBody | (() => RequestBody) | undefined;
  /** True when `body` can be sent again on a retry (no body, string, bytes, FormData, a body function). */
  replayable: boolean;
  /** Aborts the request (the caller's signal, combined with timeouts by the timeout middleware). */
  signal?: AbortSignal | undefined;
  /** Idempotency key sent with this request (the same on every attempt). */
  idempotencyKey?: string | undefined;
  /** 1 for the first try; the retry middleware counts up. */
  attempt: number;
  /** Absolute time (clock ms) after which the whole call must have finished. */
  deadline?: number | undefined;
  /** Per-request values that policies read (priority, cache mode, ...). Never holds secrets. */
  context: RequestContext;
  /**
   * Set by the client's attempt timer when the transport enforces time limits
   * itself (`Transport.enforcesTimeouts`): this attempt, headers and body,
   * must be over within `ms` of sending (however slowly the body trickles); on expiry the
   * transport fails with `expired()`. Saves an AbortController and a timer per request.
   * `endsAt` (`Date.now()` time) is when the attempt's time runs out as its timer set it: the pipeline's
   * last step hands the transport no more than what is left then, so a wait before sending counts.
   */
  timeout?: { ms: number; expired: () => Error; endsAt?: number } | undefined;
  /**
   * How the attempt reads the response (set by the client for its calls):
   * the body is read, bounded and parsed inside the attempt, so the attempt
   * timeout, retry, the breaker and the concurrency permit cover it. Without
   * it the body is left to whoever receives the response.
   */
  read?: ResponseReading | undefined;
}

/** How a response body is decoded: "auto" picks JSON by content-type, text for text/*, else bytes; "stream" leaves it unread. */
export type ResponseType = "auto" | "json" | "text" | "bytes" | "stream";

/** What to do with a 3xx: follow it (up to 5 hops), fail with `HttpError`, or return it as is. */
export type RedirectMode = "follow" | "error" | "manual";

/** What the API said about an error, read from its body. */
export interface ApiErrorInfo {
  code?: string | undefined;
  message?: string | undefined;
  details?: Record<string, unknown> | undefined;
}

/** Reads the API's own error code and message from a parsed error body; undefined when it does not recognise the body. */
export type ApiErrorReader = (body: unknown, response: { status: number; headers: Record<string, string> }) => ApiErrorInfo | undefined;

/** How a response is read and finished: decoding, byte limits, redirects, error details. One object per client and call shape. */
export interface ResponseReading {
  type: ResponseType;
  /** Largest successful body read, in bytes. */
  maxBytes: number;
  /** Largest error body read, in bytes. */
  errorBytes: number;
  redirect: RedirectMode;
  /** Response headers holding a request id, in the order they are looked for. */
  requestIdHeaders: ReadonlyArray<string>;
  /** The client's own reader of error bodies, tried before the built-in ones. */
  apiError?: ApiErrorReader | undefined;
}

/** Per-request settings read by policies. Open for extension by middleware. */
export interface RequestContext {
  /** Rate-limit priority: lower runs first (default 0). */
  priority?: number;
  [key: string]: unknown;
}

/** A response as it flows back through the pipeline. */
export interface ApiResponse {
  status: number;
  headers: ResponseHeaders;
  /** The body stream; read it at most once. Null for HEAD and bodiless responses. */
  body: Readable | null;
  /** The request as finally sent (after auth, retries). */
  request: ApiRequest;
  /** How many attempts this response took (set by retry; 1 without it). */
  attempts: number;
  /** Set when a retry was refused because the server asked to wait longer than allowed: when a retry would be allowed (clock ms). */
  retryAt?: number | undefined;
  /** Set by retry on the response it returns: whether its rules would retry this response (status, should-retry headers), whatever the method. */
  retryable?: boolean | undefined;
  /** Set by retry when it would have retried this response but did not: why (a wait past `maxRetryAfter` or the deadline, the budget). */
  notRetried?: string | undefined;
}

export type Next = (req: ApiRequest) => Promise<ApiResponse>;

/** One step of the pipeline: `(req, next) => Promise<ApiResponse>`. */
export type Middleware = (req: ApiRequest, next: Next) => Promise<ApiResponse>;

/** The end of the pipeline: the only place that touches the network. */
export interface Transport {
  readonly name: string;
  /** True when the transport honours `ApiRequest.timeout` itself (undici does). */
  readonly enforcesTimeouts?: boolean;
  send(req: ApiRequest): Promise<ApiResponse>;
  close(): Promise<void>;
}
