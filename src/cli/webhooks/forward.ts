import { createClient } from "../../client/create-client.js";
import { discardBody } from "../../response/read-body.js";
import type { WebhookHandler } from "../../webhooks/handlers.js";

/** The header that names the verified event id on a forwarded delivery. */
export const FORWARDED_EVENT_HEADER = "x-ballast-event-id";

// Hop-by-hop and length headers describe the original connection, not the forwarded request.
const NOT_FORWARDED = new Set(["host", "connection", "keep-alive", "content-length", "transfer-encoding", "te", "upgrade", "expect"]);

export interface Forwarder {
  handler: WebhookHandler;
  close(): Promise<void>;
}

/**
 * A worker handler that POSTs each verified event to `url` with its original
 * body and headers (signature headers included, so the app can verify it
 * itself) plus `x-ballast-event-id`. A non-2xx answer or a network error
 * fails the attempt; the worker retries it with backoff and, after its last
 * attempt, moves it to dead letters.
 */
export function forwarder(url: string, timeoutMs: number): Forwarder {
  const target = new URL(url);
  const client = createClient({ baseUrl: target.origin, retry: false, timeout: { attempt: timeoutMs, total: timeoutMs } });
  return {
    async handler(_event, ctx) {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(ctx.record.headers)) if (!NOT_FORWARDED.has(name)) headers[name] = value;
      headers[FORWARDED_EVENT_HEADER] = ctx.id;
      const res = await client.raw({ method: "POST", path: target.href, body: ctx.record.payload, headers, signal: ctx.signal });
      discardBody(res.body);
      if (res.status < 200 || res.status >= 300) throw new Error(`${url} answered HTTP ${res.status}`);
      return res.status;
    },
    close: () => client.close(),
  };
}
