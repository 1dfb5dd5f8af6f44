import type { ApiRequest } from "../types.js";

/**
 * Where one call's time went, filled in by the steps that spend it: the time
 * queued on this side (rate-limit slot, concurrency permit, retry backoff)
 * and the API's own latency of the last attempt (to its response headers and
 * to the end of its body). The client's per-route stats read it when the call ends.
 */
export interface CallTiming {
  rateLimitMs: number;
  concurrencyMs: number;
  backoffMs: number;
  /** The last attempt that got an answer: ms from sending to its headers, and to the end of its body. */
  firstByteMs: number | undefined;
  completeMs: number | undefined;
  /** Taken by a call's stats: a request object sent again (or through a second client) gets a record of its own. */
  claimed: boolean;
}

/**
 * Kept in the request's context (shared by every copy of the request a call makes), under a key no option can set.
 * The request builder writes an unclaimed record there for each new call, so the stats step need not copy the request.
 */
export const CALL_TIMING = Symbol("ballast.callTiming");

export function newCallTiming(): CallTiming {
  return { rateLimitMs: 0, concurrencyMs: 0, backoffMs: 0, firstByteMs: undefined, completeMs: undefined, claimed: false };
}

/** The call's timing record, when its client keeps stats. */
export function timingOf(req: ApiRequest): CallTiming | undefined {
  return (req.context as Record<symbol, CallTiming | undefined>)[CALL_TIMING];
}

/** `req` carrying `timing` for the steps inside. */
export function withTiming(req: ApiRequest, timing: CallTiming): ApiRequest {
  return { ...req, context: { ...req.context, [CALL_TIMING]: timing } };
}
