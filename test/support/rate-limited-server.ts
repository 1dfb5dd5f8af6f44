import { startServer } from "./http-server.js";

export interface RateLimitedServer {
  url: string;
  /** Arrival times (ms, performance.now()) of the requests the server accepted. */
  accepted: number[];
  rejected: number;
  close(): Promise<void>;
}

/** Answers one request: accept (with headers) or refuse (429 with headers). */
type Judge = (now: number) => { ok: boolean; headers: Record<string, string> };

async function serve(judge: Judge): Promise<RateLimitedServer> {
  const accepted: number[] = [];
  const state = { rejected: 0 };
  const server = await startServer((req, res) => {
    const now = Date.now();
    const verdict = judge(now);
    for (const [k, v] of Object.entries(verdict.headers)) res.setHeader(k, v);
    req.resume();
    if (!verdict.ok) {
      state.rejected++;
      res.statusCode = 429;
      res.end('{"error":"rate limited"}');
      return;
    }
    accepted.push(performance.now());
    res.setHeader("content-type", "application/json");
    res.end('{"ok":true}');
  });
  return {
    url: server.origin,
    accepted,
    get rejected() {
      return state.rejected;
    },
    close: server.close,
  };
}

/**
 * At most `limit` requests per window of `windowMs` aligned to the epoch (as
 * GitHub counts its hour), advertising `X-RateLimit-Reset` as the window's end
 * in epoch seconds.
 */
export function fixedWindowServer(limit: number, windowMs: number): Promise<RateLimitedServer> {
  let window = Number.NaN;
  let count = 0;
  return serve((now) => {
    const w = Math.floor(now / windowMs);
    if (w !== window) {
      window = w;
      count = 0;
    }
    const ok = count < limit;
    if (ok) count++;
    const resetEpoch = Math.ceil(((w + 1) * windowMs) / 1000);
    const headers: Record<string, string> = {
      "x-ratelimit-limit": String(limit),
      "x-ratelimit-remaining": String(limit - count),
      "x-ratelimit-reset": String(resetEpoch),
    };
    if (!ok) headers["retry-after"] = String(Math.max(1, Math.ceil(((w + 1) * windowMs - now) / 1000)));
    return { ok, headers };
  });
}

/**
 * At most `limit` requests in any window of `windowMs` (a sliding log, the
 * strictest count), advertising in `X-RateLimit-Reset` the delta seconds
 * until the oldest request in the window leaves it: to the millisecond, or
 * (`wholeSeconds`) rounded up, as most servers send it.
 */
export function slidingWindowServer(limit: number, windowMs: number, wholeSeconds = false): Promise<RateLimitedServer> {
  const log: number[] = [];
  return serve((now) => {
    while (log.length > 0 && (log[0] as number) <= now - windowMs) log.shift();
    const ok = log.length < limit;
    if (ok) log.push(now);
    const oldest = log[0] ?? now;
    const resetMs = Math.max(0, oldest + windowMs - now);
    const headers: Record<string, string> = {
      "x-ratelimit-limit": String(limit),
      "x-ratelimit-remaining": String(limit - log.length),
      "x-ratelimit-reset": wholeSeconds ? String(Math.ceil(resetMs / 1000)) : (resetMs / 1000).toFixed(3),
    };
    if (!ok) headers["retry-after"] = String(Math.max(1, Math.ceil(resetMs / 1000)));
    return { ok, headers };
  });
}
