import { createParser, type EventSourceMessage } from "eventsource-parser";
import { type Clock, systemClock } from "../clock.js";
import { AbortError, ConfigError, describeRequest, isApiError, isHttpError, ParseError } from "../errors.js";
import type { ApiResponse } from "../types.js";
import { type Duration, toMillis } from "../util/duration.js";

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
  /**
   * Reconnect when the stream ends or the connection drops (default true).
   * `maxAttempts` bounds consecutive reconnects that deliver no event (default 10);
   * `delay` is the wait before reconnecting until the server sends `retry:` (default "3s").
   */
  reconnect?: boolean | { maxAttempts?: number; delay?: Duration };
  signal?: AbortSignal;
  clock?: Clock;
}

/** Opens (or reopens) the stream with these extra headers; throws for HTTP errors. */
export type SseOpener = (headers: Record<string, string>, signal: AbortSignal | undefined) => Promise<ApiResponse>;

/**
 * Consumes a `text/event-stream` response (eventsource-parser does the
 * parsing). The next chunk is read only after the caller took the events of
 * the previous one, so a slow consumer slows the socket (backpressure). On a
 * dropped connection or a stream end it reconnects after the server's
 * `retry:` delay with `Last-Event-ID`; a 204 ends the stream; HTTP errors and
 * a wrong content type are thrown, not retried (the client's retry policy
 * has already handled retryable statuses).
 */
export async function* sse(open: SseOpener, options: SseOptions = {}): AsyncGenerator<SseEvent, void, undefined> {
  const clock = options.clock ?? systemClock;
  const rc = options.reconnect ?? true;
  const reconnect = rc !== false;
  const maxAttempts = typeof rc === "object" && rc.maxAttempts !== undefined ? rc.maxAttempts : 10;
  if (!(Number.isInteger(maxAttempts) && maxAttempts >= 0))
    throw new ConfigError("sse.reconnect.maxAttempts", `must be a non-negative integer; got ${maxAttempts}`);
  let delay = toMillis(typeof rc === "object" && rc.delay !== undefined ? rc.delay : "3s", "sse.reconnect.delay");
  let lastEventId = options.lastEventId;
  let failures = 0;
  const signal = options.signal;

  for (;;) {
    if (signal?.aborted) throw new AbortError(signal.reason);
    const headers: Record<string, string> = { accept: "text/event-stream", "cache-control": "no-cache" };
    if (lastEventId !== undefined) headers["last-event-id"] = lastEventId;
    let failure: unknown;
    let res: ApiResponse | undefined;
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
      try {
        if (body !== null) {
          const decoder = new TextDecoder();
          for await (const chunk of body) {
            parser.feed(typeof chunk === "string" ? chunk : decoder.decode(chunk as Uint8Array, { stream: true }));
            if (queue.length > 0) failures = 0;
            while (queue.length > 0) yield queue.shift() as SseEvent;
          }
        }
      } catch (err) {
        if (signal?.aborted) throw new AbortError(signal.reason, { request: describeRequest(res.request) });
        if (!reconnect) throw err;
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
    await clock.sleep(delay, signal).catch(() => {
      throw new AbortError(signal?.reason);
    });
  }
}
