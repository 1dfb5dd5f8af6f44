import { randomUUID } from "node:crypto";
import type { Readable } from "node:stream";
import type { CallKind } from "../channels.js";
import { type Clock, systemClock } from "../clock.js";
import { compose, trusted } from "../compose.js";
import { ConfigError, describeRequest } from "../errors.js";
import { type Logger, type LoggingOptions, logging, logRetries } from "../middleware/logging.js";
import type { Policy } from "../middleware/policy.js";
import { type RetryEvent, type RetryOptions, retry } from "../middleware/retry.js";
import { type RetryBudget, retryBudget } from "../middleware/retry-budget.js";
import { attemptDeadline, callDeadline } from "../middleware/timeout.js";
import { type PaginationMethods, paginationMethods } from "../pagination/client-methods.js";
import { type InferOutput, type Schema, validateWithSchema } from "../schema/validate.js";
import { memoryStore } from "../stores/memory.js";
import type { Store } from "../stores/types.js";
import { type StreamingMethods, streamingMethods } from "../streaming/client-methods.js";
import { undiciTransport } from "../transport/undici.js";
import type { ApiRequest, ApiResponse, HttpMethod, Middleware, Next, Transport } from "../types.js";
import { credentialKeyOf, credentialOf } from "../util/fingerprint.js";
import { encodeBody } from "./body.js";
import { toHttpError } from "./http-error.js";
import { observeAttempts, observeCall } from "./observe.js";
import { type ClientConfig, type ClientOptions, type RequestOptions, resolveConfig } from "./options.js";
import { decodeBody } from "./parse.js";
import { attemptPolicies, callPolicies, concurrencyPolicy } from "./policies.js";
import { discardBody, readBody } from "./read-body.js";
import { type RouteStats, StatsRecorder } from "./stats.js";
import { fillPath, joinPath, withQuery } from "./url.js";

/** Options of a call made through a verb method (`get`, `post`, ...): everything but method and path. */
export type CallOptions = Omit<RequestOptions, "method" | "path">;

/** What a call resolves to: the transform's result, else the schema's output, else `T`. */
export type Result<O, T> = O extends { transform: (data: never) => infer R } ? Awaited<R> : O extends { schema: infer S } ? InferOutput<S> : T;

/** A verb method: `client.get<User>("/users/:id", { params })`, or typed by `schema` / `transform`. */
export interface VerbCall {
  <S extends Schema, R>(path: string, options: CallOptions & { schema: S; transform: (data: InferOutput<S>) => R }): Promise<Awaited<R>>;
  <S extends Schema>(path: string, options: CallOptions & { schema: S }): Promise<InferOutput<S>>;
  <T = unknown, O extends CallOptions = CallOptions>(path: string, options?: O): Promise<Result<O, T>>;
}

export interface ClientStats {
  routes: Record<string, RouteStats>;
  policies: Record<string, unknown>;
}

export interface Client {
  request<S extends Schema, R>(options: RequestOptions & { schema: S; transform: (data: InferOutput<S>) => R }): Promise<Awaited<R>>;
  request<S extends Schema>(options: RequestOptions & { schema: S }): Promise<InferOutput<S>>;
  request<T = unknown, O extends RequestOptions = RequestOptions>(options: O): Promise<Result<O, T>>;
  get: VerbCall;
  post: VerbCall;
  put: VerbCall;
  patch: VerbCall;
  delete: VerbCall;
  head: VerbCall;
  /** Sends through the whole pipeline and returns the response as is, whatever its status, with a streaming body. */
  raw(options: RequestOptions): Promise<ApiResponse>;
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
 * timeout, retry, circuit breaker, rate limit, attempt timeout, concurrency,
 * auth, `use`, transport. Each attempt (which the server counts) passes the
 * rate limiter and the breaker; the total timeout bounds every wait.
 */
function buildPipeline(options: ClientOptions, config: ClientConfig, shared: Shared): { send: Next; policies: Record<string, Policy> } {
  const { clock, store } = shared;
  const ctx = { clock, store, credential: credentialOf(options.auth), credentialKey: credentialKeyOf(options.auth) };
  const steps: Middleware[] = [trusted(shared.stats.middleware)];
  const policies: Record<string, Policy> = {};
  const log = options.logger ? toLoggingOptions(options.logger, clock) : undefined;
  if (log) steps.push(trusted(logging(log)));
  for (const [name, p] of callPolicies(options, ctx)) {
    steps.push(p);
    policies[name] = p;
  }
  steps.push(callDeadline(config.totalTimeout, clock));
  if (options.retry !== false) {
    const userHook = options.retry?.onRetry;
    const logHook = log && logRetries(log);
    const onRetry =
      logHook && userHook
        ? (e: RetryEvent) => {
            logHook(e);
            userHook(e);
          }
        : (logHook ?? userHook);
    const r = retry({ clock, ...options.retry, budget: shared.budget ?? false, ...(onRetry && { onRetry }) });
    steps.push(r);
    policies.retry = r;
  }
  for (const [name, p] of attemptPolicies(options, ctx)) {
    steps.push(p);
    policies[name] = p;
  }
  // A fake clock must drive every timer, so native (real-time) transport timeouts are only used with the system clock.
  steps.push(attemptDeadline(config.attemptTimeout, config.totalTimeout, clock, shared.transport.enforcesTimeouts === true && clock === systemClock));
  for (const [name, p] of concurrencyPolicy(options, ctx)) {
    steps.push(p);
    policies[name] = p;
  }
  if (options.auth) steps.push(options.auth);
  if (options.use) steps.push(...options.use);
  return { send: compose(steps, observeAttempts(shared.transport, clock)), policies };
}

function buildClient(options: ClientOptions, shared: Shared): Client {
  const config = resolveConfig(options);
  const { send, policies } = buildPipeline(options, config, shared);
  const baseHeaders = config.headers;

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
    if (o.headers !== undefined || enc.contentType !== undefined || o.idempotencyKey !== undefined) {
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
      if (o.idempotencyKey !== undefined) {
        idempotencyKey = o.idempotencyKey === true ? randomUUID() : o.idempotencyKey;
        if (typeof idempotencyKey !== "string" || idempotencyKey === "") throw new ConfigError("idempotencyKey", "must be true or a non-empty string");
        headers[config.idempotencyHeader] = idempotencyKey;
      }
    }
    const context = o.timeout === undefined ? { ...o.context } : { ...o.context, timeout: o.timeout === false ? { attempt: false, total: false } : o.timeout };
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
    };
  }

  async function finish(res: ApiResponse, o: CallOptions): Promise<unknown> {
    if (res.status >= 400) {
      const buf = await readBody(res, Math.min(config.maxResponseBytes, 1 << 20)).catch(() => Buffer.alloc(0));
      throw toHttpError(res, buf, config.requestIdHeaders);
    }
    const type = o.responseType ?? "auto";
    if (type === "stream") return res.body;
    if (res.request.method === "HEAD" || res.status === 204 || res.status === 304) {
      discardBody(res.body);
      return undefined;
    }
    const buf = await readBody(res, o.maxResponseBytes ?? config.maxResponseBytes);
    let data = decodeBody(buf, res, type);
    if (o.schema !== undefined) data = await validateWithSchema(o.schema, data, describeRequest(res.request));
    if (o.transform !== undefined) data = await (o.transform as (d: unknown) => unknown)(data);
    return data;
  }

  // async: a bad option rejects the call's promise rather than throwing at the call site.
  async function request(o: CallOptions, verbMethod?: string, verbPath?: string): Promise<unknown> {
    return observeCall("request", buildRequest(o, verbMethod, verbPath), shared.clock, send, (res) => finish(res, o));
  }

  const rawAs =
    (kind: CallKind) =>
    async (o: RequestOptions): Promise<ApiResponse> =>
      observeCall(kind, buildRequest(o), shared.clock, send, (res) => res);

  const verb =
    (method: HttpMethod): VerbCall =>
    (path: string, opts?: CallOptions) =>
      request(opts ?? NO_OPTIONS, method, path) as never;

  const client: Client = {
    request: ((o: RequestOptions) => request(o)) as Client["request"],
    get: verb("GET"),
    post: verb("POST"),
    put: verb("PUT"),
    patch: verb("PATCH"),
    delete: verb("DELETE"),
    head: verb("HEAD"),
    raw: rawAs("raw"),
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
    // issue 6: pagination/sse wiring
    ...paginationMethods({ raw: rawAs("paginate"), rawPages: rawAs("pages"), config }),
    ...streamingMethods({ raw: rawAs("sse"), config }),
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
