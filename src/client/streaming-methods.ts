import { type SseEvent, type SseOptions, sse } from "../streaming/sse.js";
import type { ApiResponse } from "../types.js";
import { callKeyChecker } from "./option-keys.js";
import type { ClientConfig, RequestOptions } from "./options.js";
import type { NeedsParams, ParamsOption } from "./path-params.js";

/** `client.sse()` options: the stream's options plus request options (headers, query, params, context). */
export type ClientSseOptions = SseOptions &
  Omit<RequestOptions, "method" | "path" | "schema" | "transform" | "json" | "form" | "body" | "responseType" | "signal">;

/** `ClientSseOptions` without `params`, which the path's template types. */
export type SseBase = Omit<ClientSseOptions, "params">;

type SseArgs<P extends string> = NeedsParams<P> extends true ? [options: SseBase & ParamsOption<P>] : [options?: SseBase & ParamsOption<P>];

export interface StreamingMethods {
  /**
   * Server-Sent Events from `path`, reconnecting with `Last-Event-ID`. Time
   * limits are off for the stream unless `timeout` is given (an attempt
   * timeout would cut a healthy long-lived stream).
   */
  sse<P extends string>(path: P, ...options: SseArgs<P>): AsyncGenerator<SseEvent, void, undefined>;
}

interface ClientParts {
  /** Sends one call through the whole pipeline and finishes its response (status check; a "stream" body is left unread). */
  run(options: RequestOptions, kind: "sse"): Promise<{ data: unknown; response: ApiResponse }>;
  readonly config: Readonly<ClientConfig>;
}

const checkSseKeys = callKeyChecker(
  "client.sse()",
  ["params", "query", "headers", "cookies", "idempotencyKey", "retry", "redirect", "timeout", "context", "maxResponseBytes", "multipart"],
  ["lastEventId", "reconnect", "clock", "signal", "maxEventBytes"],
);

export function streamingMethods(client: ClientParts): StreamingMethods {
  return {
    sse(path, ...args) {
      const options: ClientSseOptions = (args[0] as ClientSseOptions | undefined) ?? {};
      if (typeof options === "object" && options !== null) checkSseKeys(options);
      const { lastEventId, reconnect, clock, signal, maxEventBytes, ...request } = options;
      const open = async (headers: Record<string, string>, sig: AbortSignal | undefined) => {
        const { response } = await client.run(
          {
            timeout: false,
            ...request,
            ...(sig !== undefined && { signal: sig }),
            method: "GET",
            path,
            headers: { ...request.headers, ...headers },
            responseType: "stream",
          },
          "sse",
        );
        return response;
      };
      const sseOptions: SseOptions = {};
      if (lastEventId !== undefined) sseOptions.lastEventId = lastEventId;
      if (reconnect !== undefined) sseOptions.reconnect = reconnect;
      if (clock !== undefined) sseOptions.clock = clock;
      if (signal !== undefined) sseOptions.signal = signal;
      // One event may be as large as a whole response may be.
      sseOptions.maxEventBytes = maxEventBytes ?? request.maxResponseBytes ?? client.config.maxResponseBytes;
      return sse(open, sseOptions);
    },
  };
}
