import { trusted } from "../../compose.js";
import { AbortError, ConfigError, describeRequest } from "../../errors.js";
import type { ApiRequest, ApiResponse, Middleware, Next } from "../../types.js";
import { tee } from "./tee.js";

export interface DedupeOptions {
  /** Methods that are shared (default GET and HEAD; only safe methods make sense). */
  methods?: ReadonlyArray<"GET" | "HEAD" | "OPTIONS">;
  /**
   * What makes two requests identical. Default: method, origin, path with
   * query, and every header. Auth runs inside dedupe, so two requests that
   * differ only in credentials set by `auth` would be shared: give the account here.
   */
  key?: (req: ApiRequest) => string;
}

export interface DedupeStats {
  /** Requests that went to the network. */
  sent: number;
  /** Requests that joined one already in flight instead of sending their own. */
  shared: number;
  /** Distinct requests in flight now. */
  inFlight: number;
}

interface Caller {
  req: ApiRequest;
  aborted: boolean;
}

interface Flight {
  callers: Caller[];
  controller: AbortController;
  /** One response per caller that was still waiting when the shared one arrived. */
  settled: Promise<Map<Caller, ApiResponse>>;
}

function defaultKey(req: ApiRequest): string {
  const names = Object.keys(req.headers).sort();
  let key = `${req.method} ${req.origin}${req.path}`;
  for (const n of names) key += `\n${n}:${req.headers[n]}`;
  return key;
}

/**
 * Identical GET/HEAD requests in flight at the same time share one network
 * call; each caller gets its own readable copy of the body. The shared call
 * is aborted only when every caller has aborted. Place it outside retry and
 * timeouts (the client does), so the shared call is the whole retried call.
 */
export function dedupe(options: DedupeOptions = {}): Middleware & { stats(): DedupeStats } {
  const methods = new Set<string>(options.methods ?? ["GET", "HEAD"]);
  for (const m of methods)
    if (m !== "GET" && m !== "HEAD" && m !== "OPTIONS") throw new ConfigError("dedupe.methods", `may only hold GET, HEAD or OPTIONS; got ${m}`);
  if (options.key !== undefined && typeof options.key !== "function") throw new ConfigError("dedupe.key", "must be a function (req) => string");
  const keyOf = options.key ?? defaultKey;
  const inFlight = new Map<string, Flight>();
  const counts = { sent: 0, shared: 0 };

  function start(key: string, req: ApiRequest, next: Next): Flight {
    const controller = new AbortController();
    const flight: Flight = { callers: [], controller, settled: Promise.resolve(new Map()) };
    flight.settled = next({ ...req, signal: controller.signal }).then(
      (res) => {
        if (inFlight.get(key) === flight) inFlight.delete(key);
        return distribute(
          res,
          flight.callers.filter((c) => !c.aborted),
        );
      },
      (err) => {
        if (inFlight.get(key) === flight) inFlight.delete(key);
        throw err;
      },
    );
    // Callers that all aborted leave nobody to observe a failure.
    flight.settled.catch(() => {});
    inFlight.set(key, flight);
    return flight;
  }

  function distribute(res: ApiResponse, callers: Caller[]): Map<Caller, ApiResponse> {
    const out = new Map<Caller, ApiResponse>();
    if (callers.length === 0) {
      res.body?.destroy();
      return out;
    }
    if (callers.length === 1 || res.body === null) {
      for (const c of callers) out.set(c, res);
      return out;
    }
    const bodies = tee(res.body, callers.length);
    callers.forEach((c, i) => {
      out.set(c, { ...res, body: bodies[i] ?? null });
    });
    return out;
  }

  async function join(flight: Flight, req: ApiRequest): Promise<ApiResponse> {
    const caller: Caller = { req, aborted: false };
    flight.callers.push(caller);
    const signal = req.signal;
    if (signal === undefined) return (await flight.settled).get(caller) as ApiResponse;
    return new Promise<ApiResponse>((resolve, reject) => {
      const onAbort = () => {
        caller.aborted = true;
        if (flight.callers.every((c) => c.aborted)) flight.controller.abort(signal.reason);
        reject(new AbortError(signal.reason, { request: describeRequest(req) }));
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener("abort", onAbort, { once: true });
      flight.settled.then(
        (responses) => {
          signal.removeEventListener("abort", onAbort);
          const res = responses.get(caller);
          if (res === undefined) return; // aborted before the response arrived; already rejected
          // An abort after the headers arrived stops this caller's copy only.
          signal.addEventListener("abort", () => res.body?.destroy(new AbortError(signal.reason, { request: describeRequest(req) })), { once: true });
          resolve(res);
        },
        (err) => {
          signal.removeEventListener("abort", onAbort);
          reject(err);
        },
      );
    });
  }

  const dedupeMiddleware = (req: ApiRequest, next: Next): Promise<ApiResponse> => {
    if (!methods.has(req.method) || req.body !== undefined) return next(req);
    const key = keyOf(req);
    let flight = inFlight.get(key);
    if (flight === undefined || flight.callers.every((c) => c.aborted)) {
      flight = start(key, req, next);
      counts.sent++;
    } else {
      counts.shared++;
    }
    return join(flight, req);
  };

  return Object.assign(trusted(dedupeMiddleware), {
    stats: (): DedupeStats => ({ ...counts, inFlight: inFlight.size }),
  });
}
