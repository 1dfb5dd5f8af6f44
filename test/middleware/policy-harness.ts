/**
 * A pipeline for policy unit tests: the policies under test in front of an
 * end handler that records when each request was sent (on a fake clock) and
 * answers with whatever the test scripts.
 */
import { compose } from "../../src/compose.js";
import { createFakeClock, type FakeClock } from "../../src/testing/fake-clock.js";
import type { ApiRequest, ApiResponse, Middleware, ResponseHeaders } from "../../src/types.js";
import { apiRequest } from "../support/request.js";

export interface Sent {
  path: string;
  /** ms since the harness started */
  at: number;
}

export type Answer = { status?: number; headers?: ResponseHeaders; error?: Error; delay?: number };

export function request(path: string, over: Partial<ApiRequest> = {}): ApiRequest {
  return apiRequest(`https://api.example.com${path}`, { route: path, ...over });
}

export function harness(build: (clock: FakeClock) => Middleware[]) {
  const clock = createFakeClock();
  const t0 = clock.now();
  const sent: Sent[] = [];
  let answer: (req: ApiRequest) => Answer = () => ({});
  const pipeline = compose(build(clock), async (req): Promise<ApiResponse> => {
    sent.push({ path: req.path, at: clock.now() - t0 });
    const a = answer(req);
    if (a.delay) await clock.sleep(a.delay);
    if (a.error) throw a.error;
    return { status: a.status ?? 200, headers: a.headers ?? {}, body: null, request: req, attempts: 1 };
  });
  return {
    clock,
    sent,
    elapsed: () => clock.now() - t0,
    answer(fn: (req: ApiRequest) => Answer) {
      answer = fn;
    },
    call: (path: string, over: Partial<ApiRequest> = {}) => pipeline(request(path, over)),
    /** Starts a call and keeps its outcome, so a rejection is never unhandled. */
    start(path: string, over: Partial<ApiRequest> = {}) {
      const outcome: { res?: ApiResponse; error?: unknown; done: boolean } = { done: false };
      const p = pipeline(request(path, over)).then(
        (res) => {
          outcome.res = res;
          outcome.done = true;
        },
        (error: unknown) => {
          outcome.error = error;
          outcome.done = true;
        },
      );
      return Object.assign(outcome, { settled: p });
    },
  };
}
