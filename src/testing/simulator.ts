import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { type Clock, systemClock } from "../clock.js";
import type { ProblemDetails } from "../errors.js";
import { Chaos, type ChaosOptions, type ChaosStats } from "./chaos.js";
import { problem } from "./fixtures.js";
import { IdempotencyStore, runIdempotently } from "./idempotency.js";
import { type Injection, Injections, type InjectOptions, injectedReply } from "./inject.js";
import { type CollectionOptions, collectionHandler } from "./pagination.js";
import { applyRateLimits, SimLimiter, type SimRateLimitOptions } from "./rate-limit.js";
import { type EncodedReply, encodeReply, jsonReply } from "./reply.js";
import { ReceivedRequest, readBody } from "./request.js";
import { SimRoute } from "./route.js";
import { Router } from "./router.js";
import { sendReply } from "./send-reply.js";
import type { Reply, RouteOptions, RouteReply, SimRequest } from "./types.js";
import { createWaiter } from "./waiter.js";

export interface ApiSimulatorOptions {
  /** Default 0: a free port. */
  port?: number;
  /** Default `127.0.0.1`. */
  host?: string;
  /** Time for rate-limit windows and `receivedAt` (e.g. a fake clock); reply delays always use real time. */
  clock?: Clock;
  /** Keep `sim.requests` and `route.requests` (default true). Turn off for benchmarks and soak tests. */
  log?: boolean;
  /** Headers added to every response (a request id, an API version...). */
  responseHeaders?: (req: SimRequest) => Record<string, string>;
  /** The answer to a request no route matches (default 404 `{ error: "not_found" }`). */
  notFound?: (req: SimRequest) => Reply;
  /**
   * The body and headers of an error the simulator makes up — a status given alone to `inject()`, a rate-limit
   * rejection — in the API's own error shape (default: an empty body, `{ error: "rate_limited" }` for limits).
   */
  errorReply?: (status: number) => Reply;
  /**
   * Random faults for a share of requests, to soak an integration without scripting each reply:
   * `{ rate: 0.1, faults: ["reset", "500", "429", "stall", "truncate"], seed: 42 }`. Explicit `inject()`
   * replies and hooks come first. See docs/testing.md.
   */
  chaos?: ChaosOptions;
}

/** Runs before routing and rate limits; returning a reply answers the request with it (e.g. an auth check). */
export type SimulatorHook = (req: SimRequest) => Reply | undefined | Promise<Reply | undefined>;

/** A limiter added with `sim.rateLimit()`. */
export interface SimRateLimit {
  /** Requests this limiter rejected. */
  readonly rejected: number;
  /** Forgets the requests it has counted. */
  reset(): void;
  remove(): void;
}

export interface ApiSimulator {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** Same as `url`. */
  readonly origin: string;
  readonly port: number;
  readonly host: string;
  /** The underlying Node server (for extensions). */
  readonly server: Server;
  /** Every request received, in order of arrival. */
  readonly requests: readonly SimRequest[];
  /** Responses rejected by rate limits. */
  readonly rejected: number;
  /** Errors thrown by handlers and hooks (each answered with a 500). */
  readonly errors: readonly unknown[];
  readonly routes: readonly SimRoute[];
  /** Connections accepted since the simulator started (not cleared by `reset()`). */
  readonly connections: number;
  /** Connections open now (kept-alive idle ones included). */
  readonly openConnections: number;
  /** What chaos mode has done (its seed, requests seen, faults by kind); undefined without `chaos`. */
  readonly chaos: ChaosStats | undefined;
  route(method: string, path: string, reply: RouteReply, options?: RouteOptions): SimRoute;
  rateLimit(options: SimRateLimitOptions): SimRateLimit;
  collection(path: string, items: readonly unknown[], options: CollectionOptions): SimRoute;
  /** An `application/problem+json` reply. */
  problem(status: number, details?: Omit<ProblemDetails, "status">): Reply;
  /** Adds a hook run before routing; returns a function that removes it. */
  use(hook: SimulatorHook): () => void;
  /**
   * Fault injection: the next matching request(s) get `reply` (or, for a bare status, the API's error of that
   * status) instead of the route's answer — before the route runs, or after it (see `InjectOptions.when`).
   * `sim.inject(503, { times: 2 })`, `sim.inject({ fault: "reset" }, { method: "POST", when: "after" })`.
   */
  inject(reply: number | Reply, options?: InjectOptions): Injection;
  /** Clears counters, logs, scripts' positions, idempotency keys and rate-limit state, and restarts chaos from its seed. Routes and limits stay. */
  reset(): void;
  /** Closes the server and destroys every connection, stalled ones included. */
  close(): Promise<void>;
}

const NOT_FOUND = { error: "not_found" };

/** A reply to send, and headers to add to it (rate-limit state). */
interface Answer {
  reply: EncodedReply;
  extra?: OutgoingHttpHeaders | undefined;
}
const KEEP_ALIVE_MS = 60_000;

/** Starts the plain simulator (`createApiSimulator` without a provider; dialects build on it). */
export async function startSimulator(options: ApiSimulatorOptions): Promise<ApiSimulator> {
  const host = options.host ?? "127.0.0.1";
  const clock = options.clock ?? systemClock;
  const log = options.log ?? true;
  const router = new Router();
  const limiters: SimLimiter[] = [];
  const hooks: SimulatorHook[] = [];
  const idempotency = new IdempotencyStore();
  const injections = new Injections();
  const { responseHeaders, notFound, errorReply } = options;
  const chaos = options.chaos === undefined ? undefined : new Chaos(options.chaos, errorReply);
  const waiter = createWaiter();
  const requests: SimRequest[] = [];
  const errors: unknown[] = [];
  let seq = 0;
  let connections = 0;
  let openConnections = 0;
  const connectionIds = new WeakMap<Socket, number>();
  let rejected = 0;

  /** Decides the reply: hooks, injected replies, chaos, then rate limits and the route. */
  async function dispatch(req: ReceivedRequest): Promise<Answer> {
    for (const hook of hooks) {
      const answer = await hook(req);
      if (answer) return { reply: encodeReply(answer) };
    }
    const injected = injections.take(req, "before");
    if (injected) return { reply: injected };
    const chaotic = chaos?.decide(req);
    if (chaotic?.stage === "before") return { reply: chaotic.reply };
    const answer = await limitAndRoute(req);
    // A truncated answer still "happened": the route ran and its effect stands.
    return chaotic ? { ...answer, reply: { ...answer.reply, fault: chaotic.fault } } : answer;
  }

  /** The answer of the rate limits, or else of the route; `extra` holds rate-limit headers to add. */
  async function limitAndRoute(req: ReceivedRequest): Promise<Answer> {
    let extra: OutgoingHttpHeaders | undefined;
    if (limiters.length > 0) {
      const outcome = applyRateLimits(limiters, req, req.receivedAt);
      if (outcome.rejection) {
        rejected++;
        const { status, headers, retryAfter } = outcome.rejection;
        const all = retryAfter === undefined ? headers : { ...headers, "retry-after": String(retryAfter) };
        if (errorReply) {
          const shaped = encodeReply({ ...errorReply(status), status });
          return { reply: { ...shaped, headers: { ...shaped.headers, ...all } } };
        }
        return { reply: jsonReply(status, { error: "rate_limited", message: "Too many requests" }, all) };
      }
      extra = outcome.headers;
    }

    const found = router.match(req.method, req.path);
    if (!found) return { reply: notFound ? encodeReply(notFound(req)) : jsonReply(404, NOT_FOUND), extra };
    const { route } = found;
    req.params = found.params;
    req.route = route.path;
    route.record(req);

    const header = route.idempotencyHeader;
    const key = header === undefined ? undefined : req.headers[header];
    const reply = typeof key !== "string" || key === "" ? await route.run(req) : await runIdempotently(idempotency, route, req, key);
    return { reply: injections.take(req, "after") ?? reply, extra };
  }

  async function handle(incoming: IncomingMessage, res: ServerResponse): Promise<void> {
    let body: Buffer;
    try {
      body = await readBody(incoming);
    } catch {
      return; // the client went away mid-body
    }
    const req = new ReceivedRequest(
      ++seq,
      incoming.method ?? "GET",
      incoming.url ?? "/",
      incoming.headers,
      body,
      connectionIds.get(incoming.socket) ?? 0,
      clock.now(),
    );
    if (log) requests.push(req);
    let answer: Answer;
    try {
      answer = await dispatch(req);
    } catch (error) {
      errors.push(error);
      answer = { reply: jsonReply(500, { error: "simulator_handler_error", message: error instanceof Error ? error.message : String(error) }) };
    }
    const extra = responseHeaders ? { ...responseHeaders(req), ...answer.extra } : answer.extra;
    await sendReply(res, answer.reply, extra, waiter.wait);
  }

  // A long keep-alive (Node's default is 5 s) keeps clients without keep-alive hints from racing a
  // server-side idle close mid-test; `close()` ends idle sockets anyway.
  const server = createServer({ requireHostHeader: false, keepAliveTimeout: KEEP_ALIVE_MS }, (incoming, res) => {
    handle(incoming, res).catch((error: unknown) => {
      errors.push(error);
      res.destroy();
    });
  });

  server.on("connection", (socket: Socket) => {
    connectionIds.set(socket, ++connections);
    openConnections++;
    socket.once("close", () => openConnections--);
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;

  let closing: Promise<void> | undefined;

  const sim: ApiSimulator = {
    url,
    origin: url,
    port,
    host,
    server,
    requests,
    errors,
    get rejected() {
      return rejected;
    },
    get routes() {
      return router.routes;
    },
    get connections() {
      return connections;
    },
    get openConnections() {
      return openConnections;
    },
    chaos,

    route(method, path, reply, routeOptions = {}) {
      const route = new SimRoute(method, path, reply, routeOptions, log, (r) => router.remove(r));
      router.add(route);
      return route;
    },

    rateLimit(limitOptions) {
      const limiter = new SimLimiter(limitOptions);
      limiters.push(limiter);
      return {
        get rejected() {
          return limiter.rejected;
        },
        reset: () => limiter.reset(),
        remove() {
          const i = limiters.indexOf(limiter);
          if (i !== -1) limiters.splice(i, 1);
        },
      };
    },

    collection(path, items, collectionOptions) {
      return sim.route(
        "GET",
        path,
        collectionHandler(items, collectionOptions, () => url),
      );
    },

    problem,

    inject(reply, injectOptions = {}) {
      return injections.add(injectedReply(reply, errorReply), injectOptions);
    },

    use(hook) {
      hooks.push(hook);
      return () => {
        const i = hooks.indexOf(hook);
        if (i !== -1) hooks.splice(i, 1);
      };
    },

    reset() {
      for (const route of router.routes) route.reset();
      for (const limiter of limiters) limiter.reset();
      idempotency.clear();
      injections.clear();
      chaos?.reset();
      requests.length = 0;
      errors.length = 0;
      rejected = 0;
    },

    close() {
      closing ??= new Promise<void>((resolve) => {
        waiter.cancelAll();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
  return sim;
}
