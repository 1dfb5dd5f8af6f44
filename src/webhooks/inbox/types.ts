/** Where an event is in its life. */
export type InboxStatus = "pending" | "processing" | "done" | "dead";

/** A verified event as the receiver stores it. */
export interface InboxEventInput {
  /** De-duplication key: the scheme's event or delivery id. */
  id: string;
  scheme: string;
  type: string | undefined;
  /** Events sharing a key are processed one at a time, in the order received. */
  orderingKey: string | undefined;
  /** The raw body, byte for byte. */
  payload: Buffer;
  /** The request headers the scheme reads (lower-case). */
  headers: Record<string, string>;
  /** Clock ms. */
  receivedAt: number;
}

export interface InboxEvent extends InboxEventInput {
  status: InboxStatus;
  /** Claims so far (a claim counts even when the process died while handling it). */
  attempts: number;
  /** Clock ms before which the event is not claimed. */
  runAt: number;
  /** Message of the last failure. Never holds secrets: it is the handler's error message. */
  lastError: string | undefined;
  /** Set while claimed: only the holder of the lease may complete or fail it. */
  lease: string | undefined;
  leaseUntil: number | undefined;
  completedAt: number | undefined;
}

export interface ClaimOptions {
  /** Most events to claim. */
  limit: number;
  /** How long the claim lasts; after that another worker may claim the event again. */
  leaseMs: number;
  /** Clock ms. */
  now: number;
  /** Token that proves the claim (unique per claim call). */
  lease: string;
}

export interface ListOptions {
  status?: InboxStatus;
  limit?: number;
}

export interface PurgeOptions {
  /** Default: `done`. */
  status?: "done" | "dead";
  /** Only events received before this clock time (ms). */
  before?: number;
}

/**
 * An effect run in the same transaction that marks an event done, so that it
 * happens exactly once: `Tx` is the inbox's transaction handle (the
 * better-sqlite3 `Database` for SQLite, a `pg.PoolClient` for PostgreSQL).
 */
export type AtomicEffect<Tx> = (tx: Tx) => unknown;

/**
 * Durable storage for received webhooks. `put` resolves only once the event is
 * committed; a second `put` of the same id is a `duplicate` and changes nothing.
 * One contract suite (test/webhooks/inbox-contract.ts) runs against every one.
 */
export interface WebhookInbox<Tx = unknown> {
  readonly kind: string;
  put(event: InboxEventInput): Promise<"stored" | "duplicate">;
  /**
   * Claims events that are ready (pending and due, or processing with an
   * expired lease), oldest first, skipping events whose ordering key has an
   * older unfinished event. Increments `attempts`.
   */
  claim(options: ClaimOptions): Promise<InboxEvent[]>;
  /** Marks the event done and runs `effects` in the same transaction. False (and no effects) if the lease was lost. */
  complete(id: string, lease: string, now: number, effects?: ReadonlyArray<AtomicEffect<Tx>>): Promise<boolean>;
  /** Back to pending until `runAt`, recording the error. False if the lease was lost. */
  retry(id: string, lease: string, runAt: number, error: string): Promise<boolean>;
  /** Moves the event to dead letters. False if the lease was lost. */
  deadLetter(id: string, lease: string, error: string): Promise<boolean>;
  get(id: string): Promise<InboxEvent | undefined>;
  /** Events, oldest first. */
  list(options?: ListOptions): Promise<InboxEvent[]>;
  /** Makes a dead (or done) event pending again with its attempts reset. False if unknown or in flight. */
  replay(id: string, now: number): Promise<boolean>;
  /** Deletes finished events; returns how many. */
  purge(options?: PurgeOptions): Promise<number>;
  /** Events by state, failing events and the oldest unfinished one (for health checks and dashboards). Built-in inboxes have it. */
  counts?(): Promise<InboxCounts>;
  close(): Promise<void>;
}

/** How many events an inbox holds in each state, and how far behind it is. */
export interface InboxCounts {
  pending: number;
  processing: number;
  done: number;
  dead: number;
  /** Unfinished events whose handler failed at least once (waiting for their retry, or retrying now). */
  failing: number;
  /** `receivedAt` (clock ms) of the oldest unfinished event; undefined when none is. */
  oldestPendingAt: number | undefined;
}
