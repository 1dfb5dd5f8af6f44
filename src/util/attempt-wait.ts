import type { ApiRequest } from "../types.js";
import { untilAborted } from "./abort.js";

/**
 * Waits for `pending` (a wait inside an attempt, before the transport: a
 * token from a store, a secret from a vault) no longer than the attempt may last, and returns the
 * request with what is left of its time. With the undici transport the
 * attempt's timer runs in the transport (`req.timeout`, relative) and starts
 * only when the request is sent, and no signal aborts at the deadline: a wait
 * before that, on a store that never answers, would outlast the call, and a
 * long one would give the transport the whole limit again. Without
 * `req.timeout` (ballast's own timer: the fetch transport, a fake clock) the
 * request's signal aborts at the limit, and the wait ends with it.
 * `since` (`Date.now()` when the attempt reached this step) counts time the
 * step already spent on `req`, such as a first send refused for its token.
 */
export async function withinAttempt<T>(pending: T | Promise<T>, req: ApiRequest, since?: number): Promise<{ value: T; req: ApiRequest }> {
  const limit = req.timeout;
  if (limit === undefined) return { value: await (pending instanceof Promise && req.signal ? untilAborted(pending, req.signal, req) : pending), req };
  // The transport's timers are real time (it only runs them with the system clock).
  const started = since ?? Date.now();
  let value: T;
  if (pending instanceof Promise) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(limit.expired()), Math.max(1, limit.ms - (Date.now() - started)));
    });
    try {
      value = await Promise.race([req.signal ? untilAborted(pending, req.signal, req) : pending, expired]);
    } finally {
      clearTimeout(timer);
    }
  } else value = pending;
  const spent = Date.now() - started;
  return { value, req: spent < 1 ? req : { ...req, timeout: { ...limit, ms: Math.max(1, limit.ms - spent) } } };
}
