import type { ProblemDetails } from "../errors.js";
import type { Reply, SimRequest } from "./types.js";

/** An `application/problem+json` reply (RFC 9457). */
export function problem(status: number, details: Omit<ProblemDetails, "status"> = {}, headers?: Record<string, string>): Reply {
  return {
    status,
    headers: { ...headers, "content-type": "application/problem+json" },
    json: { type: "about:blank", status, ...details },
  };
}

/** A handler that answers with what it received: method, path, query, headers and body text. */
export function echo(req: SimRequest): Reply {
  return { json: { method: req.method, path: req.path, query: req.query, headers: req.headers, body: req.text() } };
}

/** One server-sent event. */
export interface ServerSentEvent {
  data: string;
  event?: string;
  id?: string;
  retry?: number;
}

/** A `text/event-stream` reply sending each event as its own chunk, `delay` ms apart. */
export function sseReply(events: readonly (ServerSentEvent | string)[], options: { delay?: number } = {}): Reply {
  const chunks = events.map((e) => {
    const ev = typeof e === "string" ? { data: e } : e;
    let out = "";
    if (ev.event !== undefined) out += `event: ${ev.event}\n`;
    if (ev.id !== undefined) out += `id: ${ev.id}\n`;
    if (ev.retry !== undefined) out += `retry: ${ev.retry}\n`;
    for (const line of ev.data.split("\n")) out += `data: ${line}\n`;
    return `${out}\n`;
  });
  return {
    headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
    chunks,
    ...(options.delay === undefined ? {} : { chunkDelay: options.delay }),
  };
}
