import type { AtomicEffect, InboxEvent } from "./inbox/types.js";

/** What a handler gets besides the parsed event. */
export interface WebhookHandlerContext<Tx = unknown> {
  /** The stored event's id (the de-duplication key). */
  id: string;
  type: string | undefined;
  /** 1 on the first try. */
  attempt: number;
  /** Aborts when the handler's time is up or the worker stops. */
  signal: AbortSignal;
  /** The stored record: raw payload, headers, timestamps. */
  record: InboxEvent;
  /**
   * Registers an effect that commits in the same transaction as "this event is
   * done", so it happens exactly once even if the process dies (the better-sqlite3
   * `Database` for sqliteInbox, a `pg.PoolClient` for postgresInbox).
   */
  atomically(effect: AtomicEffect<Tx>): void;
}

/**
 * A handler for one event type. Its parameter is checked both ways (method
 * bivariance), so a handler may annotate its event with a narrower type of
 * its own (or the provider SDK's, e.g. `Stripe.Event`).
 */
// biome-ignore lint/suspicious/noExplicitAny: handlers narrow the event type themselves
export type WebhookHandler<E = any, Tx = unknown> = { handle(event: E, ctx: WebhookHandlerContext<Tx>): unknown }["handle"];

/** Handlers by event type (`"invoice.paid"`, `"push"`, ...); `E` is the scheme's event type (see `WebhookEventMap`). */
// biome-ignore lint/suspicious/noExplicitAny: each handler narrows its own event type
export type WebhookHandlers<Tx = unknown, E = any> = Readonly<Record<string, WebhookHandler<E, Tx>>>;
