import { createParser, type EventSourceMessage } from "eventsource-parser";
import { type Clock, systemClock } from "../clock.js";
import { AbortError, ConfigError, describeRequest, isApiError, isHttpError, isResponseTooLargeError, ParseError, ResponseTooLargeError } from "../errors.js";
import type { ApiResponse } from "../types.js";
import { type Duration, toMillis } from "../util/duration.js";
import { integerOption } from "../util/options.js";

/** One Server-Sent Event. */
export interface SseEvent {
  /** The event type (`event:` field); `"message"` when the server sent none. */
  event: string;
  data: string;
  /** The `id:` of this event, or the last one seen on the stream. */
  id: string | undefined;
}

export interface SseOptions {
  /** Resume after this event id (sent as `Last-Event-ID` on the first connection too). */
  lastEventId?: string;
  /** Reconnect when the stream ends or the connection drops (default true), with these bounds. */
  reconnect?: boolean | SseReconnectOptions;
  /** Largest single event (bytes since the last blank line): `ResponseTooLargeError` beyond it. Default: the client's `maxResponseBytes` (50 MiB). */
  maxEventBytes?: number;
  signal?: AbortSignal;
  clock?: Clock;
}

export interface SseReconnectOptions {
  /** Consecutive reconnects that deliver no event before giving up (default 10). */
  maxAttempts?: number;
  /** Reconnects in all before giving up (default: no limit). */
  maxReconnects?: number;
  /** Wait before reconnecting until the server sends `retry:` (default "3s"). */
  delay?: Duration;
  /** Floor of every wait, whatever `retry:` says (default "500ms", must be > 0). */
  minDelay?: Duration;
  /** Ceiling of the doubling backoff (default "30s"; a larger `retry:` from the server wins). */
  maxDelay?: Duration;
}

interface ReconnectPolicy {
  enabled: boolean;
  maxAttempts: number;
  maxReconnects: number;
  delay: number;
  minDelay: number;
  maxDelay: number;
}

function reconnectPolicy(rc: SseOptions["reconnect"]): ReconnectPolicy {
  const o = typeof rc === "object" && rc !== null ? rc : {};
  const policy: ReconnectPolicy = {
    enabled: rc !== false,
    maxAttempts: integerOption(o.maxAttempts ?? 10, "sse.reconnect.maxAttempts", 0),
    maxReconnects: o.maxReconnects === undefined ? Number.POSITIVE_INFINITY : integerOption(o.maxReconnects, "sse.reconnect.maxReconnects", 0),
    delay: toMillis(o.delay ?? "3s", "sse.reconnect.delay"),
    minDelay: toMillis(o.minDelay ?? "500ms", "sse.reconnect.minDelay"),
    maxDelay: toMillis(o.maxDelay ?? "30s", "sse.reconnect.maxDelay"),
  };
  if (policy.minDelay <= 0)
    throw new ConfigError("sse.reconnect.minDelay", "must be positive: without a floor a server sending `retry: 0` causes a reconnect storm");
  if (policy.maxDelay < policy.minDelay) throw new ConfigError("sse.reconnect.maxDelay", "must not be below minDelay");
  return policy;
}

/**
 * Counts the bytes of each event (from one blank line, which ends an event or
 * a comment block, to the next) and throws once one passes `limit`, before the
 * parser has buffered much more than that.
 */
function eventSizeGuard(limit: number, tooLarge: () => ResponseTooLargeError) {
  const BOUNDARY = /\r\n\r\n|\n\n|\r\r/g;
  let pending = 0;
  let endedWithNewline = false;
  return (text: string): void => {
    const joined = endedWithNewline ? `\n${text}` : text;
    endedWithNewline = text.endsWith("\n") || text.endsWith("\r");
    let from = 0;
    BOUNDARY.lastIndex = 0;
    for (let m = BOUNDARY.exec(joined); m !== null; m = BOUNDARY.exec(joined)) {
      if (pending + Buffer.byteLength(joined.slice(from, m.index)) > limit) throw tooLarge();
      pending = 0;
      from = m.index + m[0].length;
    }
    pending += Buffer.byteLength(joined.slice(from));
    if (pending > limit) throw tooLarge();
  };
}

/** Opens (or reopens) the stream with these extra headers; throws for HTTP errors. */
export type SseOpener = (headers: Record<string, string>, signal: AbortSignal | undefined) => Promise<ApiResponse>;

/**
 * Consumes a `text/event-stream` response (eventsource-parser does the
 * parsing). The next chunk is read only after the caller took the events of
 * the previous one, so a slow consumer slows the socket (backpressure). On a
 * dropped connection or a stream end it reconnects with `Last-Event-ID`
 * after the server's `retry:` delay (never below `minDelay`, doubling while
 * connections keep ending quickly); a 204 ends the stream; HTTP errors, a
 * wrong content type and an event over `maxEventBytes` are thrown, not
 * retried. Options are checked when this is called, before any connection.
 */
export function sse(open: SseOpener, options: SseOptions = {}): AsyncGenerator<SseEvent, void, undefined> {
  const policy = reconnectPolicy(options.reconnect);
  const maxEventBytes = integerOption(options.maxEventBytes ?? 50 * 2 ** 20, "sse.maxEventBytes");
  return events(open, options, policy, maxEventBytes);
}

async function* events(open: SseOpener, options: SseOptions, policy: ReconnectPolicy, maxEventBytes: number): AsyncGenerator<SseEvent, void, undefined> {
  const clock = options.clock ?? systemClock;
  const reconnect = policy.enabled;
  const maxAttempts = policy.maxAttempts;
  /** The server's `retry:`, else the configured delay; never below the floor. */
  let delay = policy.delay;
  /** Reconnects since a connection last stayed up for `maxDelay`: each doubles the wait. */
  let streak = 0;
  let reconnects = 0;
  let lastEventId = options.lastEventId;
  let failures = 0;
  const signal = options.signal;

  for (;;) {
    if (signal?.aborted) throw new AbortError(signal.reason);
    const headers: Record<string, string> = { accept: "text/event-stream", "cache-control": "no-cache" };
    if (lastEventId !== undefined) headers["last-event-id"] = lastEventId;
    let failure: unknown;
    let res: ApiResponse | undefined;
    const connectedAt = clock.now();
    try {
      res = await open(headers, signal);
    } catch (err) {
      if (isHttpError(err) || !reconnect || signal?.aborted || (isApiError(err) && err.code === "BALLAST_ABORT")) throw err;
      failure = err;
    }
    if (res !== undefined) {
      if (res.status === 204) {
        res.body?.resume();
        return;
      }
      const type = String(res.headers["content-type"] ?? "");
      if (!/^text\/event-stream\b/i.test(type)) {
        res.body?.resume();
        throw new ParseError(`expected text/event-stream, got ${type || "no content type"}`, {
          status: res.status,
          contentType: type,
          excerpt: "",
          request: describeRequest(res.request),
        });
      }
      const queue: SseEvent[] = [];
      const parser = createParser({
        onEvent(e: EventSourceMessage) {
          if (e.id !== undefined) lastEventId = e.id;
          queue.push({ event: e.event ?? "message", data: e.data, id: lastEventId });
        },
        onRetry(ms) {
          delay = ms;
        },
      });
      const body = res.body;
      const request = res.request;
      const guard = eventSizeGuard(
        maxEventBytes,
        () => new ResponseTooLargeError(maxEventBytes, { what: "a server-sent event exceeds maxEventBytes", request: describeRequest(request) }),
      );
      try {
        if (body !== null) {
          const decoder = new TextDecoder();
          for await (const chunk of body) {
            const text = typeof chunk === "string" ? chunk : decoder.decode(chunk as Uint8Array, { stream: true });
            guard(text);
            parser.feed(text);
            if (queue.length > 0) failures = 0;
            while (queue.length > 0) yield queue.shift() as SseEvent;
          }
        }
      } catch (err) {
        if (signal?.aborted) throw new AbortError(signal.reason, { request: describeRequest(res.request) });
        if (!reconnect || isResponseTooLargeError(err)) throw err;
        failure = err;
      } finally {
        // Runs on `break` too: release the connection.
        body?.destroy();
      }
      if (!reconnect) return;
    }
    if (++failures > maxAttempts) {
      throw failure ?? new ParseError(`event stream ended ${failures - 1} times in a row without an event`, { status: res?.status ?? 0, excerpt: "" });
    }
    if (++reconnects > policy.maxReconnects) {
      throw (
        failure ??
        new ParseError(`event stream ended again after ${policy.maxReconnects} reconnects (maxReconnects)`, { status: res?.status ?? 0, excerpt: "" })
      );
    }
    if (clock.now() - connectedAt >= policy.maxDelay) streak = 0;
    const base = Math.max(delay, policy.minDelay);
    const wait = Math.min(base * 2 ** streak, Math.max(policy.maxDelay, base));
    streak++;
    await clock.sleep(wait, signal).catch(() => {
      throw new AbortError(signal?.reason);
    });
  }
}
