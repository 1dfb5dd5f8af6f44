import type { IncomingMessage, ServerResponse } from "node:http";
import type { IncomingWebhook, WebhookReply } from "../receive.js";
import { reply } from "../receive.js";
import { type AdapterLimits, nodeAdapter, nodeHeaders, nodeUrl, sendNode } from "./node.js";

type ExpressLikeRequest = IncomingMessage & { body?: unknown; originalUrl?: string; protocol?: string };

/**
 * Express (4 and 5) middleware. Mount it on the webhook path *before* any
 * body parser (`app.post("/webhooks", receiver.express())` above
 * `app.use(express.json())`), or behind `express.raw({ type: "*\/*" })`.
 * Behind `express.raw()` the body was read by Express, under its limits.
 */
export function expressAdapter(handle: (req: IncomingWebhook) => Promise<WebhookReply>, limits: AdapterLimits<IncomingMessage>) {
  const { maxBytes, publicUrl, onError } = limits;
  // Express rewrites req.url under a mount path; originalUrl is what the provider called.
  const urlOf = (req: ExpressLikeRequest) => nodeUrl(req, publicUrl, req.originalUrl ?? req.url);
  const fromStream = nodeAdapter(handle, { ...limits, publicUrl: urlOf });

  return function webhookExpressHandler(req: ExpressLikeRequest, res: ServerResponse, _next?: (error?: unknown) => void): void {
    if (Buffer.isBuffer(req.body)) {
      // express.raw() ran first: the bytes are intact.
      if (req.body.length > maxBytes) {
        sendNode(res, reply(413, { error: "payload_too_large" }));
        return;
      }
      void handle({ method: req.method ?? "GET", url: urlOf(req), headers: nodeHeaders(req), body: req.body })
        .then((r) => sendNode(res, r))
        .catch((error) => {
          onError?.(error);
          if (!res.headersSent) sendNode(res, reply(500, { error: "internal_error" }));
        });
      return;
    }
    if (req.body !== undefined && req.readableEnded) {
      // A JSON/text parser consumed and re-shaped the body: the signed bytes are gone.
      onError?.(new Error("receiver.express() is mounted after a body parser; mount it before express.json() or use express.raw()"));
      const hint = "mount the webhook route before body parsers (express.json()), or use express.raw()";
      sendNode(res, reply(500, { error: "raw_body_unavailable", hint }));
      return;
    }
    void fromStream(req, res);
  };
}
