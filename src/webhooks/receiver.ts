import type { IncomingMessage, ServerResponse } from "node:http";
import { type Clock, systemClock } from "../clock.js";
import { ConfigError } from "../errors.js";
import type { Duration } from "../util/duration.js";
import { durationOption } from "../util/options.js";
import { expressAdapter } from "./adapters/express.js";
import { fetchAdapter } from "./adapters/fetch.js";
import { nodeAdapter } from "./adapters/node.js";
import type { WebhookEventOf } from "./events.js";
import type { WebhookHandler, WebhookHandlers } from "./handlers.js";
import type { WebhookInbox } from "./inbox/types.js";
import { ParsedEvents } from "./parsed-events.js";
import { type IncomingWebhook, receive, type WebhookReply } from "./receive.js";
import { resolveScheme, type SchemeName } from "./schemes/index.js";
import type { WebhookScheme } from "./types.js";
import { createVerifier, DEFAULT_MAX_BYTES, type VerifiedWebhook, type VerifierOptions } from "./verify.js";
import { receiverWorker, type WebhookWorker, type WebhookWorkerOptions } from "./worker.js";

export interface WebhookReceiverOptions<Tx = unknown, S extends SchemeName | WebhookScheme = SchemeName | WebhookScheme>
  extends Omit<VerifierOptions, "parse" | "clock" | "scheme"> {
  /** `"stripe"`, `"github"`, `"slack"`, `"twilio"`, `"shopify"`, `"standard"`, or a scheme object such as `hmacScheme({...})`. */
  scheme: S;
  /** Where verified events are stored before the 2xx. */
  inbox: WebhookInbox<Tx>;
  /** Handlers by event type; a built-in scheme types their event (`WebhookEventMap`). */
  handlers?: WebhookHandlers<Tx, WebhookEventOf<S>>;
  /** Runs for event types without a handler. */
  fallback?: WebhookHandler<WebhookEventOf<S>, Tx>;
  /**
   * Events with the same key are processed one at a time, in arrival order
   * (e.g. per Stripe object: `(e) => e.event.data?.object?.id`).
   */
  // biome-ignore lint/suspicious/noExplicitAny: the parsed event's shape is the provider's
  orderingKey?: (event: VerifiedWebhook<any>) => string | undefined;
  /**
   * The public URL the provider calls, or a function of the request (Twilio
   * signs it). Default: from `X-Forwarded-Proto`, `Host` and the path.
   */
  publicUrl?: string | ((req: IncomingMessage | Request) => string);
  /**
   * The whole body must arrive within this time of the headers (`.node`,
   * `.express()`, `.fetch`), or the delivery is answered 408 and the
   * connection closed: a sender trickling bytes cannot hold a socket for
   * minutes. A positive duration; default `"10s"`.
   */
  bodyTimeout?: Duration;
  /**
   * Worker settings, or `false` to only store events here (another process
   * runs `createWebhookWorker`). The worker starts with the first stored event
   * or `receiver.start()`.
   */
  worker?: false | Omit<WebhookWorkerOptions<Tx>, "inbox" | "handlers" | "fallback" | "scheme" | "clock" | "onError">;
  clock?: Clock;
  /** Storage and handler failures (never verification failures, which are answered 400/401). */
  onError?: (error: unknown) => void;
}

export interface WebhookReceiver {
  /** `(req, res)` for node:http (and anything built on it). */
  readonly node: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  /** `Request => Response` for Hono, Next.js route handlers, Bun, Deno. */
  readonly fetch: (request: Request) => Promise<Response>;
  /** Express middleware; mount it before body parsers. */
  express(): (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void) => void;
  /** The framework-free core: verify, store, answer. */
  handle(req: IncomingWebhook): Promise<WebhookReply>;
  /** The worker processing stored events (undefined with `worker: false`). */
  readonly worker: WebhookWorker | undefined;
  /** Starts the worker now. */
  start(): void;
  /** Stops the worker (waiting for running handlers) and closes the inbox. */
  close(): Promise<void>;
}

/** How long a delivery's body may take to arrive, by default (ms). */
export const DEFAULT_BODY_TIMEOUT_MS = 10_000;

/** Verifies, stores durably, acknowledges, then processes each event once. */
export function createWebhookReceiver<Tx = unknown, const S extends SchemeName | WebhookScheme = SchemeName | WebhookScheme>(
  options: WebhookReceiverOptions<Tx, S>,
): WebhookReceiver {
  if (!options.inbox || typeof options.inbox.put !== "function")
    throw new ConfigError("inbox", "must be a webhook inbox (memoryInbox(), sqliteInbox(path), postgresInbox(pool))");
  const clock = options.clock ?? systemClock;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const bodyTimeoutMs = durationOption(options.bodyTimeout ?? DEFAULT_BODY_TIMEOUT_MS, "bodyTimeout");
  const scheme = resolveScheme(options.scheme);
  const verify = createVerifier({ ...options, scheme, clock, parse: true });
  // The worker takes each event this receiver parsed instead of parsing its payload again.
  const parsed = new ParsedEvents();
  const worker =
    options.worker === false
      ? undefined
      : receiverWorker<Tx>(
          {
            ...options.worker,
            inbox: options.inbox,
            scheme,
            clock,
            ...(options.handlers && { handlers: options.handlers }),
            ...(options.fallback && { fallback: options.fallback }),
            ...(options.onError && { onError: (e: unknown) => options.onError?.(e) }),
          },
          parsed,
        );
  const deps = {
    scheme: scheme.name,
    verify,
    contentTypes: scheme.contentTypes,
    handshake: scheme.handshake?.bind(scheme),
    inbox: options.inbox as WebhookInbox<unknown>,
    clock,
    orderingKey: options.orderingKey,
    onError: options.onError,
    stored(id: string, event: unknown) {
      if (!worker) return;
      parsed.put(id, event);
      worker.start();
      worker.notify();
    },
  };
  const handle = (req: IncomingWebhook) => receive(req, deps);
  const publicUrl = options.publicUrl as ((req: IncomingMessage) => string) & ((req: Request) => string);
  const limits = { maxBytes, bodyTimeoutMs, publicUrl, onError: options.onError };

  return {
    node: nodeAdapter(handle, limits),
    fetch: fetchAdapter(handle, limits),
    express: () => expressAdapter(handle, limits),
    handle,
    worker,
    start() {
      worker?.start();
    },
    async close() {
      await worker?.stop();
      await options.inbox.close();
    },
  };
}
