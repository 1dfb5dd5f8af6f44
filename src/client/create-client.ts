import { randomUUID } from "node:crypto";
import type { Readable } from "node:stream";
import type { CallKind } from "../channels.js";
import { type Clock, systemClock } from "../clock.js";
import { compose, trusted } from "../compose.js";
import { ConfigError, describeRequest } from "../errors.js";
import { type Logger, type LoggingOptions, logging, logRetries } from "../middleware/logging/logging.js";
import type { Policy } from "../middleware/policy.js";
import { redirects, withoutCrossOriginCredentials } from "../middleware/redirect/redirect.js";
import { type RetryBudget, retryBudget } from "../middleware/retry/budget.js";
import { type RetryEvent, type RetryOptions, retry } from "../middleware/retry/retry.js";
import { attemptDeadline, callDeadline } from "../middleware/timeout/timeout.js";
import { finishResponse, readResponse } from "../response/finish.js";
import { requestIdOf } from "../response/http-error.js";
import { type InferOutput, type Schema, validateWithSchema } from "../schema/validate.js";
import { memoryStore } from "../stores/memory.js";
import type { Store } from "../stores/types.js";
import { undiciTransport } from "../transport/undici.js";
import type { ApiRequest, ApiResponse, HttpMethod, Middleware, Next, RequestContext, ResponseHeaders, ResponseReading, Transport } from "../types.js";
import { credentialKeyOf, credentialOf } from "../util/fingerprint.js";
import { encodeBody } from "./body.js";
import { observeAttempts, observeCall } from "./observe.js";
import { type BaseCallOptions, type CallRetryOptions, type ClientConfig, type ClientOptions, type RequestOptions, resolveConfig } from "./options.js";
import { type PaginationMethods, paginationMethods } from "./pagination-methods.js";
import type { NeedsParams, ParamsOption, PathParams } from "./path-params.js";
import { attemptPolicies, callPolicies, concurrencyPolicy } from "./policies.js";
import { type RouteStats, StatsRecorder } from "./stats.js";
import { type StreamingMethods, streamingMethods } from "./streaming-methods.js";
import { fillPath, joinPath, withQuery } from "./url.js";

/** Options of a call made through a verb method (`get`, `post`, ...): everything but method and path. */
export type CallOptions = BaseCallOptions & { params?: PathParams };

/** Options of a call to the path template `P`: `params` holds exactly its placeholders (see docs/client.md). */
export type CallOptionsFor<P extends string> = BaseCallOptions & ParamsOption<P>;

/** Options of `client.request()` / `client.raw()` for the path template `P`. */
export type RequestOptionsFor<P extends string> = BaseCallOptions & { method?: HttpMethod; path: P } & ParamsOption<P>;

/** The options argument of a call to `P`: required when its template has placeholders. */
type OptionsArg<P extends string> = NeedsParams<P> extends true ? [options: CallOptionsFor<P>] : [options?: CallOptionsFor<P>];

/** What a call resolves to: the transform's result, else the schema's output, else `T`. */
export type Result<O, T> = O extends { transform: (data: never) => infer R } ? Awaited<R> : O extends { schema: infer S } ? InferOutput<S> : T;

/** The response a call's data came from: status, headers, request id, attempts, the final URL (after redirects). */
export interface ResponseInfo {
  status: number;
  headers: ResponseHeaders;
  /** From the first of the client's `requestIdHeaders` present (x-request-id, request-id, ...). */
  requestId: string | undefined;
  /** Attempts the call took (1 without retries). */
  attempts: number;
  /** The URL that answered, after any redirects. */
  url: string;
}

/** The parsed (and validated) body together with its response's metadata. */
export interface WithResponse<T> {
  data: T;
  response: ResponseInfo;
}

/**
 * What a call returns: a promise of its data, and `withResponse()` for the
 * data with the response's status, headers and request id (same call, one request).
 */
export interface CallPromise<T> extends Promise<T> {
  withResponse(): Promise<WithResponse<T>>;
}

/**
 * A verb method: `client.get<User>("/users/:id", { params })`, or typed by
 * `schema` / `transform`. The path's placeholders type `params`: each is
 * required, any other key is an error. With an explicit `<T>`, TypeScript
 * cannot also infer the path, so `params` is then checked at run time only.
 */
export interface VerbCall {
  <P extends string, S extends Schema, R>(path: P, options: CallOptionsFor<P> & { schema: S; transform: (data: InferOutput<S>) => R }): CallPromise<Awaited<R>>;
  <P extends string, S extends Schema>(path: P, options: CallOptionsFor<P> & { schema: S }): CallPromise<InferOutput<S>>;
  <P extends string, R>(path: P, options: CallOptionsFor<P> & { transform: (data: never) => R }): CallPromise<Awaited<R>>;
  <T = unknown, P extends string = string>(path: P, ...options: OptionsArg<P>): CallPromise<T>;
}

export interface ClientStats {
  routes: Record<string, RouteStats>;
  policies: Record<string, unknown>;
}

export interface Client {
  request<P extends string, S extends Schema, R>(
    options: RequestOptionsFor<P> & { schema: S; transform: (data: InferOutput<S>) => R },
  ): CallPromise<Awaited<R>>;
  request<P extends string, S extends Schema>(options: RequestOptionsFor<P> & { schema: S }): CallPromise<InferOutput<S>>;
  request<P extends string, R>(options: RequestOptionsFor<P> & { transform: (data: never) => R }): CallPromise<Awaited<R>>;
  request<T = unknown, P extends string = string>(options: RequestOptionsFor<P>): CallPromise<T>;
  get: VerbCall;
  post: VerbCall;
  put: VerbCall;
  patch: VerbCall;
  delete: VerbCall;
  head: VerbCall;
  /** Sends through the whole pipeline and returns the response as is, whatever its status, with a streaming body. */
  raw<P extends string = string>(options: RequestOptionsFor<P>): Promise<ApiResponse>;
  /** A client with merged options that shares this one's connection pool, store, retry budget and stats. */
  extend(options: Partial<ClientOptions>): Client;
  /** Per-route counts, error rate and latency percentiles, and each policy's state. */
  stats(): ClientStats;
  /** Closes the connection pool and the default store (not a transport or store you passed in). */
  close(): Promise<void>;
  /** The checked configuration (read-only). */
  readonly config: Readonly<ClientConfig>;
  /** Sends an already-built request through the pipeline (used by pagination, GraphQL, OAuth helpers). */
  readonly send: Next;
  // issue 6: pagination/sse wiring
  paginate: PaginationMethods["paginate"];
  pages: PaginationMethods["pages"];
  sse: StreamingMethods["sse"];
}

const NO_OPTIONS: CallOptions = Object.freeze({});

/** Resources a client and the clients derived from it with `extend()` share. */
interface Shared {
  transport: Transport;
  ownsTransport: boolean;
  store: Store;
  ownsStore: boolean;
  clock: Clock;
  budget: RetryBudget | undefined;
  stats: StatsRecorder;
}

function resolveTransport(t: ClientOptions["transport"]): { transport: Transport; owns: boolean } {
  if (t !== undefined && typeof (t as Transport).send === "function") return { transport: t as Transport, owns: false };
  if (t !== undefined && (typeof t !== "object" || t === null)) throw new ConfigError("transport", "must be a Transport or undici transport options");
  return { transport: undiciTransport(t as Parameters<typeof undiciTransport>[0]), owns: true };
}

function toLoggingOptions(logger: Logger | LoggingOptions, clock: Clock): LoggingOptions {
  return "logger" in logger ? { clock, ...logger } : { logger, clock };
}

/**
 * Builds the pipeline, outer to inner: stats, logging, cache/dedupe, total
 * timeout, redirects, retry, circuit breaker, rate limit, attempt timeout,
 * concurrency, response reading, auth, `use`, transport. Each attempt (which
 * the server counts) passes the rate limiter and the breaker and reads its
 * body before it ends, so its timer, its permit and retry cover the body; the
 * total timeout bounds every wait.
 */
function buildPipeline(options: ClientOptions, config: ClientConfig, shared: Shared): { send: Next; policies: Record<string, Policy> } {
  const { clock, store } = shared;
  const ctx = { clock, store, credential: credentialOf(options.auth), credentialKey: credentialKeyOf(options.auth) };
  const steps: Middleware[] = [trusted(shared.stats.middleware)];
  const policies: Record<string, Policy> = {};
  const log = options.logger ? toLoggingOptions(options.logger, clock) : undefined;
  if (log) steps.push(logging(log));
  for (const [name, p] of callPolicies(options, ctx)) {
    steps.push(p);
    policies[name] = p;
  }
  steps.push(callDeadline(config.totalTimeout, clock));
  steps.push(redirects(config.redirect, config.idempotencyHeader));
  // Always present, so a call can ask for retries (`retry: { attempts: 2 }`) from a client built with `retry: false`.
  const retryOptions = options.retry === false ? { attempts: 1 } : options.retry;
  const userHook = retryOptions?.onRetry;
  const logHook = log && logRetries(log);
  const onRetry =
    logHook && userHook
      ? (e: RetryEvent) => {
          logHook(e);
          userHook(e);
        }
      : (logHook ?? userHook);
  const r = retry({ clock, ...retryOptions, budget: shared.budget ?? false, ...(onRetry && { onRetry }) });
  steps.push(r);
  if (options.retry !== false) policies.retry = r;
  for (const [name, p] of attemptPolicies(options, ctx)) {
    steps.push(p);
    policies[name] = p;
  }
  // A fake clock must drive every timer, so the transport's own (real-time) timers are only used with the system clock.
  steps.push(attemptDeadline(config.attemptTimeout, config.totalTimeout, clock, shared.transport.enforcesTimeouts === true && clock === systemClock));
  for (const [name, p] of concurrencyPolicy(options, ctx)) {
    steps.push(p);
    policies[name] = p;
  }
  steps.push(readResponse);
  if (options.auth) steps.push(withoutCrossOriginCredentials(options.auth));
  if (options.use) steps.push(...options.use);
  return { send: compose(steps, observeAttempts(shared.transport, clock)), policies };
}

/** An absolute URL is sent as it is: a `params` value for it would be dropped. */
function refuseParams(params: PathParams, url: string): void {
  for (const key in params)
    if (params[key] !== undefined) throw new ConfigError(`params.${key}`, `has no placeholder to fill: "${url}" is an absolute URL, sent as it is`);
}

const AUTO_KEY_METHODS = new Set(["POST", "PATCH"]);

function checkCallRetry(r: unknown): CallRetryOptions | false {
  if (r === false) return false;
  if (typeof r !== "object" || r === null) throw new ConfigError("retry", "must be false or { attempts }");
  const attempts = (r as CallRetryOptions).attempts;
  if (attempts !== undefined && !(Number.isInteger(attempts) && attempts >= 1))
    throw new ConfigError("retry.attempts", `must be an integer >= 1; got ${attempts}`);
  return r as CallRetryOptions;
}

/** What a call came to before schema and transform: the decoded body and the final response. */
interface Finished {
  data: unknown;
  response: ApiResponse;
}

const noop = () => {};

function infoOf(res: ApiResponse, requestIdHeaders: ReadonlyArray<string>): ResponseInfo {
  return {
    status: res.status,
    headers: res.headers,
    requestId: requestIdOf(res.headers, requestIdHeaders),
    attempts: res.attempts,
    url: res.request.origin + res.request.path,
  };
}

function buildClient(options: ClientOptions, shared: Shared): Client {
  const config = resolveConfig(options);
  const { send, policies } = buildPipeline(options, config, shared);
  const baseHeaders = config.headers;
  const defaultRead: ResponseReading = {
    type: "auto",
    maxBytes: config.maxResponseBytes,
    errorBytes: Math.min(config.maxResponseBytes, 1 << 20),
    redirect: config.redirect,
    requestIdHeaders: config.requestIdHeaders,
    apiError: config.apiError,
  };

  /** How this call's response is read: the client's default unless the call changes type, limit or redirect mode. */
  function readingOf(o: CallOptions): ResponseReading {
    if (o.responseType === undefined && o.maxResponseBytes === undefined && o.redirect === undefined) return defaultRead;
    const maxBytes = o.maxResponseBytes ?? config.maxResponseBytes;
    if (!(Number.isInteger(maxBytes) && maxBytes > 0)) throw new ConfigError("maxResponseBytes", `must be a positive integer; got ${maxBytes}`);
    const redirect = o.redirect ?? config.redirect;
    if (redirect !== "follow" && redirect !== "error" && redirect !== "manual")
      throw new ConfigError("redirect", `must be "follow", "error" or "manual"; got ${redirect}`);
    return { ...defaultRead, type: o.responseType ?? "auto", maxBytes, errorBytes: Math.min(maxBytes, 1 << 20), redirect };
  }

  /** The request for one call. Verb methods pass method and path apart, so no options object is copied per call. */
  function buildRequest(o: CallOptions, verbMethod?: string, verbPath?: string): ApiRequest {
    if (o === null || typeof o !== "object") throw new ConfigError("options", "must be an object");
    const target = verbPath ?? (o as RequestOptions).path;
    if (typeof target !== "string") throw new ConfigError("path", "is required and must be a string");
    const method = verbMethod ?? ((o as RequestOptions).method ?? "GET").toUpperCase();
    let origin = config.origin;
    let path: string;
    let route = target;
    if (/^https?:\/\//i.test(target)) {
      const url = new URL(target);
      if (!config.allowedOrigins.has(url.origin))
        throw new ConfigError("path", `points at ${url.origin}, which is not the baseUrl origin nor in allowedOrigins`);
      if (o.params !== undefined) refuseParams(o.params, target);
      origin = url.origin;
      path = url.pathname + url.search;
      route = url.pathname;
    } else {
      path = joinPath(config.prefix, fillPath(target, o.params));
      const q = route.indexOf("?");
      if (q !== -1) route = route.slice(0, q);
    }
    path = withQuery(path, o.query, config.arrayFormat);
    const enc = encodeBody(o, config.formArrayFormat);

    let headers = baseHeaders;
    let idempotencyKey: string | undefined;
    let key = o.idempotencyKey;
    if (key === undefined && config.autoIdempotencyKey && AUTO_KEY_METHODS.has(method)) key = true;
    if (o.headers !== undefined || enc.contentType !== undefined || (key !== undefined && key !== false)) {
      headers = { ...baseHeaders };
      if (enc.contentType !== undefined) headers["content-type"] = enc.contentType;
      if (o.headers !== undefined) {
        for (const name in o.headers) {
          const v = o.headers[name];
          const key = name.toLowerCase();
          if (v === undefined) delete headers[key];
          else if (typeof v !== "string" || /[\r\n]/.test(v)) throw new ConfigError(`headers.${name}`, "must be a string without CR or LF");
          else headers[key] = v;
        }
      }
      if (key !== undefined && key !== false) {
        idempotencyKey = key === true ? randomUUID() : key;
        if (typeof idempotencyKey !== "string" || idempotencyKey === "") throw new ConfigError("idempotencyKey", "must be true, false or a non-empty string");
        headers[config.idempotencyHeader] = idempotencyKey;
      }
    }
    const context: RequestContext = { ...o.context };
    if (o.timeout !== undefined) context.timeout = o.timeout === false ? { attempt: false, total: false } : o.timeout;
    if (o.retry !== undefined) context.retry = checkCallRetry(o.retry);
    const read = readingOf(o);
    if (read.redirect !== config.redirect) context.redirect = read.redirect;
    return {
      method,
      origin,
      path,
      route,
      headers,
      body: enc.body,
      replayable: enc.replayable,
      signal: o.signal,
      idempotencyKey,
      attempt: 1,
      deadline: undefined,
      context,
      read,
    };
  }

  /** Sends one call and finishes its response (status check, body, parse): the one path of verbs, pagination and streams. */
  function run(o: CallOptions, kind: CallKind, verbMethod?: string, verbPath?: string): Promise<Finished> {
    const req = buildRequest(o, verbMethod, verbPath);
    const read = req.read as ResponseReading;
    return observeCall(kind, req, shared.clock, send, async (response) => ({ data: await finishResponse(response, read), response }));
  }

  // async: a bad option rejects the call's promise rather than throwing at the call site.
  async function shaped(o: CallOptions, verbMethod?: string, verbPath?: string): Promise<Finished> {
    const done = await run(o, "request", verbMethod, verbPath);
    if (o.schema === undefined && o.transform === undefined) return done;
    let data = done.data;
    if (o.schema !== undefined) data = await validateWithSchema(o.schema, data, describeRequest(done.response.request));
    if (o.transform !== undefined) data = await (o.transform as (d: unknown) => unknown)(data);
    return { data, response: done.response };
  }

  function call(o: CallOptions, verbMethod?: string, verbPath?: string): CallPromise<unknown> {
    const full = shaped(o, verbMethod, verbPath);
    const data = full.then((f) => f.data) as CallPromise<unknown>;
    data.withResponse = () => {
      data.catch(noop); // the caller awaits this promise instead
      return full.then((f) => ({ data: f.data, response: infoOf(f.response, config.requestIdHeaders) }));
    };
    return data;
  }

  const verb =
    (method: HttpMethod): VerbCall =>
    (path: string, opts?: CallOptions) =>
      call(opts ?? NO_OPTIONS, method, path) as never;

  const parts = { run: (o: RequestOptions, kind: CallKind) => run(o, kind), config };
  const client: Client = {
    request: ((o: RequestOptions) => call(o)) as Client["request"],
    get: verb("GET"),
    post: verb("POST"),
    put: verb("PUT"),
    patch: verb("PATCH"),
    delete: verb("DELETE"),
    head: verb("HEAD"),
    raw: async (o) => observeCall("raw", { ...buildRequest(o as RequestOptions), read: undefined }, shared.clock, send, (res) => res),
    extend: (more) => buildClient(mergeOptions(options, more), shared),
    stats() {
      const out: Record<string, unknown> = {};
      for (const [name, p] of Object.entries(policies)) if (p.stats) out[name] = p.stats();
      return { routes: shared.stats.snapshot(), policies: out };
    },
    async close() {
      if (shared.ownsTransport) await shared.transport.close();
      if (shared.ownsStore) await shared.store.close();
    },
    config,
    send,
    ...paginationMethods(parts),
    ...streamingMethods(parts),
  };
  return client;
}

/** The one retry budget all calls of a client (and its extensions) draw from. */
function sharedBudget(r: RetryOptions | false | undefined): RetryBudget | undefined {
  if (r === false || r?.budget === false) return undefined;
  const b = r?.budget;
  if (b !== undefined && "tryAcquire" in b) return b;
  return retryBudget(b ?? {});
}

/** Child options: headers merged, everything else replaced where given. */
function mergeOptions(base: ClientOptions, more: Partial<ClientOptions>): ClientOptions {
  const merged: ClientOptions = { ...base, ...more } as ClientOptions;
  if (base.headers || more.headers) merged.headers = { ...base.headers, ...more.headers };
  return merged;
}

/**
 * Creates a client for one API. See docs/client.md for every option.
 *
 * ```ts
 * const client = createClient({ baseUrl: "https://api.example.com", auth: bearer(token) });
 * const user = await client.get<User>("/users/:id", { params: { id: "42" } });
 * ```
 */
export function createClient(options: ClientOptions): Client {
  resolveConfig(options); // fail on bad options before opening anything
  const clock = options.clock ?? systemClock;
  const { transport, owns } = resolveTransport(options.transport);
  const store = options.store ?? memoryStore({ clock });
  const budget = sharedBudget(options.retry);
  const shared: Shared = { transport, ownsTransport: owns, store, ownsStore: options.store === undefined, clock, budget, stats: new StatsRecorder(clock) };
  return buildClient(options, shared);
}

export type { Readable };
