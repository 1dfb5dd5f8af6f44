import { ConfigError } from "./errors.js";
import type { ApiRequest, ApiResponse, Middleware, Next } from "./types.js";

const TRUSTED = Symbol.for("ballast.trusted-middleware");

/**
 * Marks a middleware as known to call `next()` properly, so `compose` links it
 * without the per-call guard (which costs a closure and a promise per step per
 * request on the hot path). Every middleware ballast ships is marked
 * (test/compose.test.ts lists them); user middleware is never marked.
 */
export function trusted<M extends Middleware>(m: M): M {
  Object.defineProperty(m, TRUSTED, { value: true });
  return m;
}

/** True for a middleware marked with `trusted`. */
export function isTrusted(m: Middleware): boolean {
  return (m as unknown as Record<symbol, unknown>)[TRUSTED] === true;
}

/**
 * Chains middleware around a final handler (usually `transport.send`). Each
 * step is checked once here; at run time a step that calls `next()` twice in
 * one invocation gets an error instead of a silent duplicate request. (Retry
 * calls `next` once per attempt, sequentially: that is allowed; a second call
 * while the first is still pending is not.)
 */
export function compose(middleware: ReadonlyArray<Middleware>, end: Next): Next {
  middleware.forEach((m, i) => {
    if (typeof m !== "function") throw new ConfigError(`use[${i}]`, `must be a middleware function (req, next) => Promise<ApiResponse>; got ${typeof m}`);
  });
  let next = rejecting(end);
  for (let i = middleware.length - 1; i >= 0; i--) next = link(middleware[i] as Middleware, next);
  return next;
}

/**
 * `send`, with a synchronous throw turned into a rejection. Trusted steps chain
 * `next(req).then(...)` without a try: a user middleware or transport that
 * throws (not an async function) would otherwise skip their cleanup — the
 * concurrency step's permit, taken at once, was never given back.
 */
function rejecting(send: Next): Next {
  return (req) => {
    try {
      return send(req);
    } catch (err) {
      return Promise.reject(err);
    }
  };
}

function link(step: Middleware, next: Next): Next {
  if ((step as unknown as Record<symbol, unknown>)[TRUSTED] === true) return (req) => step(req, next);
  const name = step.name || "anonymous";
  return rejecting((req: ApiRequest): Promise<ApiResponse> => {
    let pending = false;
    return step(req, (r) => {
      if (pending) return Promise.reject(new Error(`ballast: middleware "${name}" called next() while a previous call was still pending`));
      pending = true;
      return next(r).finally(() => {
        pending = false;
      });
    });
  });
}
