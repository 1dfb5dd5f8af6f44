import type { Readable } from "node:stream";
import type { CallKind } from "../channels.js";
import { finishResponse } from "../response/finish.js";
import type { InferOutput, Schema } from "../schema/validate.js";
import type { ApiResponse, HttpMethod, Next, ResponseReading } from "../types.js";
import { requestBuilder } from "./build-request.js";
import { type CallPromise, callPromise, type Finished, shape } from "./call.js";
import { observeCall } from "./observe.js";
import {
  type BaseCallOptions,
  type CallOptions,
  type ClientConfig,
  type ClientOptions,
  type RequestOptions,
  resolveConfig,
  withRetryObject,
} from "./options.js";
import { type PaginationMethods, paginationMethods } from "./pagination-methods.js";
import type { NeedsParams, ParamsOption } from "./path-params.js";
import { buildPipeline } from "./pipeline.js";
import { closeShared, openShared, type Shared } from "./shared.js";
import type { RouteStats } from "./stats.js";
import { type StreamingMethods, streamingMethods } from "./streaming-methods.js";
import { warnTimeoutUnits } from "./timeout-units.js";

/** Options of a call to the path template `P`: `params` holds exactly its placeholders (see docs/client.md). */
export type CallOptionsFor<P extends string> = BaseCallOptions & ParamsOption<P>;

/** Options of `client.request()` / `client.raw()` for the path template `P`. */
export type RequestOptionsFor<P extends string> = BaseCallOptions & { method?: HttpMethod; path: P } & ParamsOption<P>;

/** The options argument of a call to `P`: required when its template has placeholders. */
type OptionsArg<P extends string> = NeedsParams<P> extends true ? [options: CallOptionsFor<P>] : [options?: CallOptionsFor<P>];

/** What a call resolves to: the transform's result, else the schema's output, else `T`. */
export type Result<O, T> = O extends { transform: (data: never) => infer R } ? Awaited<R> : O extends { schema: infer S } ? InferOutput<S> : T;

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
  // Bound in client/pagination-methods.ts and client/streaming-methods.ts.
  paginate: PaginationMethods["paginate"];
  pages: PaginationMethods["pages"];
  sse: StreamingMethods["sse"];
}

const NO_OPTIONS: CallOptions = Object.freeze({});

function buildClient(options: ClientOptions, shared: Shared): Client {
  const config = resolveConfig(options);
  const { send, policies } = buildPipeline(options, config, shared);
  let warned = false; // about a per-call timeout in seconds: once per client
  const buildRequest = requestBuilder(config, (t) => {
    if (!warned) warned = warnTimeoutUnits(t, options.logger, "a call's");
  });

  /** Sends one call and finishes its response (status check, body, parse): the one path of verbs, pagination and streams. */
  function run(o: CallOptions, kind: CallKind, verbMethod?: string, verbPath?: string): Promise<Finished> {
    const req = buildRequest(o, verbMethod, verbPath);
    const read = req.read as ResponseReading;
    return observeCall(kind, req, shared.clock, send, async (response) => ({ data: await finishResponse(response, read), response }));
  }

  // async: a bad option rejects the call's promise rather than throwing at the call site.
  async function shaped(o: CallOptions, verbMethod?: string, verbPath?: string): Promise<Finished> {
    return shape(await run(o, "request", verbMethod, verbPath), o);
  }

  const call = (o: CallOptions, verbMethod?: string, verbPath?: string): CallPromise<unknown> =>
    callPromise(shaped(o, verbMethod, verbPath), config.requestIdHeaders);

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
    extend: (more) => {
      const child = buildClient(withRetryObject(mergeOptions(options, more)), shared);
      warnTimeoutUnits(more.timeout, more.logger ?? options.logger, "extend()'s");
      return child;
    },
    stats() {
      const out: Record<string, unknown> = {};
      for (const [name, p] of Object.entries(policies)) if (p.stats) out[name] = p.stats();
      return { routes: shared.stats.snapshot(), policies: out };
    },
    close: () => closeShared(shared),
    config,
    send,
    ...paginationMethods(parts),
    ...streamingMethods(parts),
  };
  return client;
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
  options = withRetryObject(options);
  warnTimeoutUnits(options.timeout, options.logger, "the client's");
  return buildClient(options, openShared(options));
}

export type { Readable };
