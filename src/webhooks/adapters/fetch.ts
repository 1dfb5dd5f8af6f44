import type { IncomingWebhook, WebhookReply } from "../receive.js";
import { reply } from "../receive.js";
import type { AdapterLimits } from "./node.js";

class TooLarge extends Error {}
class TooSlow extends Error {}

async function readLimited(request: Request, maxBytes: number, timeoutMs: number): Promise<Buffer> {
  const declared = Number(request.headers.get("content-length"));
  if (declared > maxBytes) throw new TooLarge();
  if (!request.body) return Buffer.alloc(0);
  const reader = request.body.getReader();
  let timer: NodeJS.Timeout | undefined;
  let late = false;
  // A deadline for the whole body, not an idle timer: a trickle of bytes does not extend it.
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      late = true;
      reject(new TooSlow());
      // Cancelling ends the pending read as `done`: `late` keeps that from passing for the end of the body.
      reader.cancel().catch(() => {});
    }, timeoutMs);
  });
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), deadline]);
      if (late) throw new TooSlow();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel().catch(() => {});
        throw new TooLarge();
      }
      chunks.push(value);
    }
  } finally {
    clearTimeout(timer);
  }
  return Buffer.concat(chunks, size);
}

const toResponse = (r: WebhookReply) => new Response(r.body, { status: r.status, headers: r.headers });

/** A `Request => Response` handler (Hono, Next.js route handlers, Bun, Deno, undici). */
export function fetchAdapter(handle: (req: IncomingWebhook) => Promise<WebhookReply>, limits: AdapterLimits<Request>) {
  const { maxBytes, bodyTimeoutMs, publicUrl, onError } = limits;
  return async function webhookFetchHandler(request: Request): Promise<Response> {
    if (request.method !== "POST") return toResponse(reply(405, { error: "method_not_allowed" }, { allow: "POST" }));
    if (request.bodyUsed) {
      return toResponse(reply(500, { error: "body_already_read", hint: "pass the untouched Request: the raw body is needed to verify the signature" }));
    }
    let body: Buffer;
    try {
      body = await readLimited(request, maxBytes, bodyTimeoutMs);
    } catch (error) {
      if (error instanceof TooLarge) return toResponse(reply(413, { error: "payload_too_large" }));
      if (error instanceof TooSlow) return toResponse(reply(408, { error: "body_timeout" }));
      return toResponse(reply(400, { error: "incomplete_body" }));
    }
    const headers: Record<string, string> = {};
    request.headers.forEach((v, k) => {
      headers[k] = v;
    });
    const url = typeof publicUrl === "string" ? publicUrl : publicUrl ? publicUrl(request) : request.url;
    try {
      return toResponse(await handle({ method: "POST", url, headers, body }));
    } catch (error) {
      onError?.(error);
      return toResponse(reply(500, { error: "internal_error" }));
    }
  };
}
