import { createHash } from "node:crypto";
import { CHANNELS, channel } from "../channels.js";
import type { Clock } from "../clock.js";
import { isConfigError } from "../errors.js";
import { isWebhookVerificationError } from "./errors.js";
import type { InboxEventInput, WebhookInbox } from "./inbox/types.js";
import type { VerifiedWebhook, Verifier } from "./verify.js";

/** A request as the adapters hand it over: the body already read, byte for byte. */
export interface IncomingWebhook {
  method: string;
  /** The full public URL the provider called. */
  url: string;
  /** Lower-case names. */
  headers: Record<string, string>;
  body: Buffer;
}

/** What the adapters send back. */
export interface WebhookReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface ReceiveDeps {
  /** The scheme's name, for the published events. */
  scheme: string;
  verify: Verifier;
  /** Media types the scheme's provider sends; undefined accepts any. */
  contentTypes: readonly string[] | undefined;
  handshake: ((event: unknown) => Record<string, unknown> | undefined) | undefined;
  inbox: WebhookInbox<unknown>;
  clock: Clock;
  orderingKey: ((event: VerifiedWebhook) => string | undefined) | undefined;
  /** Called after an event is committed, with its id and parsed event (wakes the worker). */
  stored(id: string, event: unknown): void;
  onError: ((error: unknown) => void) | undefined;
}

// Never stored: credentials a proxy or client might add.
const UNSTORED = new Set(["authorization", "cookie", "proxy-authorization", "x-api-key"]);

const receivedChannel = channel(CHANNELS.webhookReceived);
const verifiedChannel = channel(CHANNELS.webhookVerified);
const rejectedChannel = channel(CHANNELS.webhookRejected);

export function reply(status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): WebhookReply {
  return { status, headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) };
}

/**
 * Verify, store, acknowledge. Nothing is stored unless it verified, and the
 * 2xx is sent only after the inbox committed the event; processing happens
 * later, in the worker.
 */
export async function receive(req: IncomingWebhook, deps: ReceiveDeps): Promise<WebhookReply> {
  if (receivedChannel.hasSubscribers) receivedChannel.publish({ scheme: deps.scheme, bytes: req.body.length });
  const { answer, refused } = await verifyAndStore(req, deps);
  if (refused !== undefined && rejectedChannel.hasSubscribers) rejectedChannel.publish({ scheme: deps.scheme, reason: refused, status: answer.status });
  return answer;
}

/** The reply, and the error code it carries when the delivery was refused (published without reading the reply back). */
interface Outcome {
  answer: WebhookReply;
  refused?: string;
}

const refuse = (status: number, error: string, headers?: Record<string, string>): Outcome => ({ answer: reply(status, { error }, headers), refused: error });
const accept = (body: Record<string, unknown>): Outcome => ({ answer: reply(200, body) });

async function verifyAndStore(req: IncomingWebhook, deps: ReceiveDeps): Promise<Outcome> {
  if (req.method !== "POST") return refuse(405, "method_not_allowed", { allow: "POST" });
  if (!acceptsContentType(deps.contentTypes, req.headers["content-type"])) return refuse(415, "unsupported_media_type");
  let verified: VerifiedWebhook;
  try {
    verified = deps.verify(req.body, req.headers, req.url);
  } catch (error) {
    if (isWebhookVerificationError(error)) return refuse(error.status, error.reason);
    deps.onError?.(error);
    return refuse(500, isConfigError(error) ? "receiver_misconfigured" : "internal_error");
  }
  const answer = deps.handshake?.(verified.event);
  if (answer !== undefined) return accept(answer);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (!UNSTORED.has(k)) headers[k] = v;
  const event: InboxEventInput = {
    // Schemes without an id (plain HMAC): identical bodies are the same event.
    id: verified.id ?? `sha256:${createHash("sha256").update(verified.payload).digest("hex")}`,
    scheme: verified.scheme,
    type: verified.type,
    orderingKey: deps.orderingKey?.(verified),
    payload: verified.payload,
    headers,
    receivedAt: deps.clock.now(),
  };
  let outcome: "stored" | "duplicate";
  try {
    outcome = await deps.inbox.put(event);
  } catch (error) {
    // Not stored: a 5xx makes the provider deliver it again later.
    deps.onError?.(error);
    return refuse(503, "storage_unavailable", { "retry-after": "5" });
  }
  if (verifiedChannel.hasSubscribers) verifiedChannel.publish({ scheme: deps.scheme, id: event.id, type: event.type, duplicate: outcome === "duplicate" });
  if (outcome === "stored") deps.stored(event.id, verified.event);
  return accept(outcome === "duplicate" ? { received: true, duplicate: true } : { received: true });
}

/** A missing content type is let through (the body still has to parse); a wrong one is refused. */
function acceptsContentType(accepted: readonly string[] | undefined, contentType: string | undefined): boolean {
  if (accepted === undefined || contentType === undefined) return true;
  const semicolon = contentType.indexOf(";");
  return accepted.includes((semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase());
}
