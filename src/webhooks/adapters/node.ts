import type { IncomingMessage, ServerResponse } from "node:http";
import { BodyTimeout, BodyTooLarge, collect } from "../../util/collect.js";
import { withEntry } from "../../util/copy.js";
import type { IncomingWebhook, WebhookReply } from "../receive.js";
import { reply } from "../receive.js";

/**
 * Reads the raw body, stopping (and refusing) as soon as it exceeds `maxBytes`
 * or has not fully arrived `timeoutMs` after the headers (`BodyTimeout`).
 */
export function readNodeBody(req: IncomingMessage, maxBytes: number, timeoutMs: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"]);
  if (declared > maxBytes) return Promise.reject(new BodyTooLarge(maxBytes));
  return collect(req, maxBytes, timeoutMs);
}

/**
 * The answer to a body that could not be read: 413 over the limit, 408 past
 * the deadline (the rest is not read), 400 when the client went away. Each
 * closes the connection: what is left of the body must not be parsed as the
 * next request. Undefined when the socket takes no answer any more.
 */
export function unreadBodyReply(error: unknown, res: ServerResponse): WebhookReply | undefined {
  if (res.headersSent || res.destroyed) return undefined;
  if (error instanceof BodyTooLarge) return reply(413, { error: "payload_too_large" });
  if (error instanceof BodyTimeout) return reply(408, { error: "body_timeout" });
  return reply(400, { error: "incomplete_body" });
}

/** Lower-case header record from node's headers (repeated headers joined with ","). */
export function nodeHeaders(req: IncomingMessage): Record<string, string> {
  const headers = req.headers;
  const out: Record<string, string> = {};
  // for...in rather than Object.entries: no array of pairs per request (node's headers object has no inherited keys).
  for (const k in headers) {
    const v = headers[k];
    if (v !== undefined) out[k] = typeof v === "string" ? v : v.join(",");
  }
  return out;
}

export function nodeUrl(req: IncomingMessage, publicUrl: ((req: IncomingMessage) => string) | string | undefined, path = req.url): string {
  if (typeof publicUrl === "string") return publicUrl;
  if (publicUrl) return publicUrl(req);
  // Behind a proxy the provider called https; the signature (Twilio) covers the URL, so a lie here only fails verification.
  const forwarded = req.headers["x-forwarded-proto"];
  const proto = (typeof forwarded === "string" && forwarded.split(",")[0]?.trim()) || ((req.socket as { encrypted?: boolean }).encrypted ? "https" : "http");
  return `${proto}://${req.headers.host ?? "localhost"}${path ?? "/"}`;
}

export function sendNode(res: ServerResponse, r: WebhookReply, close = false): void {
  if (close) res.setHeader("connection", "close");
  res.writeHead(r.status, withEntry(r.headers, "content-length", String(Buffer.byteLength(r.body))));
  res.end(r.body);
}

export interface AdapterLimits<R> {
  maxBytes: number;
  /** The whole body must arrive within this many ms of the headers. */
  bodyTimeoutMs: number;
  publicUrl: ((req: R) => string) | string | undefined;
  onError: ((error: unknown) => void) | undefined;
}

/** A `(req, res)` handler for node:http built from the framework-free `handle`. */
export function nodeAdapter(handle: (req: IncomingWebhook) => Promise<WebhookReply>, limits: AdapterLimits<IncomingMessage>) {
  const { maxBytes, bodyTimeoutMs, publicUrl, onError } = limits;
  return async function webhookNodeHandler(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== "POST") {
      // Do not read a body we will not use; close so it is not parsed as the next request.
      sendNode(res, reply(405, { error: "method_not_allowed" }, { allow: "POST" }), true);
      req.resume();
      return;
    }
    let body: Buffer;
    try {
      body = await readNodeBody(req, maxBytes, bodyTimeoutMs);
    } catch (error) {
      const answer = unreadBodyReply(error, res);
      if (answer) sendNode(res, answer, true);
      req.resume();
      return;
    }
    try {
      sendNode(res, await handle({ method: "POST", url: nodeUrl(req, publicUrl), headers: nodeHeaders(req), body }));
    } catch (error) {
      onError?.(error);
      if (!res.headersSent) sendNode(res, reply(500, { error: "internal_error" }));
    }
  };
}
