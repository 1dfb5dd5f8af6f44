import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { exponentialBackoff } from "../../middleware/retry/backoff.js";
import { slowClientLimits } from "../../util/server-timeouts.js";
import { nodeHeaders, nodeUrl, readNodeBody, sendNode, unreadBodyReply } from "../../webhooks/adapters/node.js";
import type { InboxEvent, InboxEventInput, WebhookInbox } from "../../webhooks/inbox/types.js";
import { reply } from "../../webhooks/receive.js";
import { createWebhookReceiver, DEFAULT_BODY_TIMEOUT_MS, type WebhookReceiver } from "../../webhooks/receiver.js";
import type { SchemeName } from "../../webhooks/schemes/index.js";
import { DEFAULT_MAX_BYTES } from "../../webhooks/verify.js";
import { createWebhookWorker, type WebhookWorker } from "../../webhooks/worker.js";
import { forwarder } from "./forward.js";

/** One line of `webhooks listen` output. */
export interface EventLine {
  time: number;
  id: string | undefined;
  type: string | undefined;
  /** received, duplicate, rejected, forwarded, failed, dead. */
  status: string;
  detail?: string | undefined;
}

export interface ListenOptions {
  scheme: SchemeName;
  secret: string;
  host: string;
  port: number;
  path: string;
  inbox: WebhookInbox;
  forward?: string | undefined;
  maxAttempts: number;
  backoffMs: number;
  forwardTimeoutMs: number;
  /** Replay window override in ms (default: the scheme's). */
  toleranceMs?: number | undefined;
  /** Headers, then the body, must each arrive within this time (default 10 s): slower senders get 408. */
  bodyTimeoutMs?: number | undefined;
  print(event: EventLine): void;
}

export interface Listener {
  url: string;
  server: Server;
  receiver: WebhookReceiver;
  worker: WebhookWorker | undefined;
  close(): Promise<void>;
}

/** Reports each event the receiver stores (or finds already stored) as it is committed. */
function reportingInbox(inbox: WebhookInbox, print: (e: EventLine) => void): WebhookInbox {
  return {
    ...inbox,
    async put(event: InboxEventInput) {
      const outcome = await inbox.put(event);
      print({ time: Date.now(), id: event.id, type: event.type, status: outcome === "stored" ? "received" : "duplicate" });
      return outcome;
    },
  };
}

function reasonOf(body: string): string | undefined {
  try {
    return (JSON.parse(body) as { error?: string }).error;
  } catch {
    return undefined;
  }
}

/**
 * `ballast webhooks listen`: a node:http server that verifies each delivery,
 * stores it in the inbox before answering 2xx, and with `forward` runs a
 * worker that delivers each stored event to a local app (retries with
 * backoff, then dead letters).
 */
export async function listen(options: ListenOptions): Promise<Listener> {
  const { print, maxAttempts } = options;
  const forward = options.forward === undefined ? undefined : forwarder(options.forward, options.forwardTimeoutMs);
  const failed = (error: unknown, record: InboxEvent | undefined) => {
    const message = error instanceof Error ? error.message : String(error);
    if (record === undefined) return print({ time: Date.now(), id: undefined, type: undefined, status: "error", detail: message });
    const dead = record.attempts >= maxAttempts;
    print({
      time: Date.now(),
      id: record.id,
      type: record.type,
      status: dead ? "dead" : "failed",
      detail: dead ? `${message}; after ${record.attempts} attempts` : `${message}; attempt ${record.attempts} of ${maxAttempts}, will retry`,
    });
  };
  const worker =
    forward &&
    createWebhookWorker({
      inbox: options.inbox,
      scheme: options.scheme,
      async fallback(event, ctx) {
        const status = await forward.handler(event, ctx);
        print({ time: Date.now(), id: ctx.id, type: ctx.type, status: "forwarded", detail: `HTTP ${status}, attempt ${ctx.attempt}` });
      },
      maxAttempts,
      backoff: exponentialBackoff({ base: options.backoffMs, cap: options.backoffMs * 64 }),
      timeout: options.forwardTimeoutMs,
      pollInterval: Math.min(1000, options.backoffMs),
      onError: failed,
    });
  const inbox = reportingInbox(options.inbox, (line) => {
    print(line);
    if (line.status === "received") worker?.notify();
  });
  // The worker runs beside the receiver (not inside it) so that each failure is reported with its event.
  const receiver = createWebhookReceiver({
    scheme: options.scheme,
    secret: options.secret,
    inbox,
    worker: false,
    ...(options.toleranceMs !== undefined && { tolerance: options.toleranceMs }),
    onError: (error: unknown) => failed(error, undefined),
  });

  const bodyTimeoutMs = options.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS;
  const server = createServer(slowClientLimits(bodyTimeoutMs), (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (path !== options.path) {
      sendNode(res, reply(404, { error: "not_found", hint: `webhooks are received at ${options.path}` }));
      req.resume();
      return;
    }
    if (req.method !== "POST") {
      sendNode(res, reply(405, { error: "method_not_allowed" }, { allow: "POST" }), true);
      req.resume();
      return;
    }
    readNodeBody(req, DEFAULT_MAX_BYTES, bodyTimeoutMs)
      .then(async (body) => {
        const answer = await receiver.handle({ method: "POST", url: nodeUrl(req, undefined), headers: nodeHeaders(req), body });
        if (answer.status >= 400)
          print({
            time: Date.now(),
            id: undefined,
            type: undefined,
            status: "rejected",
            detail: `HTTP ${answer.status} ${reasonOf(answer.body) ?? ""}`.trim(),
          });
        sendNode(res, answer);
      })
      .catch((error: unknown) => {
        const answer = unreadBodyReply(error, res);
        const detail = answer ? `HTTP ${answer.status} ${reasonOf(answer.body)}` : "incomplete body";
        print({ time: Date.now(), id: undefined, type: undefined, status: "rejected", detail });
        if (answer) sendNode(res, answer, true);
        req.resume();
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(":") ? `[${options.host}]` : options.host;
  worker?.start();
  return {
    url: `http://${host}:${port}${options.path}`,
    server,
    receiver,
    worker,
    async close() {
      server.closeIdleConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await worker?.stop();
      await receiver.close();
      await forward?.close();
    },
  };
}
