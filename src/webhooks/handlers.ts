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

// biome-ignore lint/suspicious/noExplicitAny: handlers narrow the event type themselves
export type WebhookHandler<E = any, Tx = unknown> = (event: E, ctx: WebhookHandlerContext<Tx>) => unknown;

/** Handlers by event type (`"invoice.paid"`, `"push"`, ...). */
// biome-ignore lint/suspicious/noExplicitAny: each handler narrows its own event type
export type WebhookHandlers<Tx = unknown> = Readonly<Record<string, WebhookHandler<any, Tx>>>;
