import { randomUUID } from "node:crypto";
import { CHANNELS, channel } from "../channels.js";
import { type Clock, systemClock } from "../clock.js";
import { ConfigError } from "../errors.js";
import type { Logger } from "../middleware/logging/logging.js";
import { type Backoff, exponentialBackoff } from "../middleware/retry/backoff.js";
import { type Duration, toMillis } from "../util/duration.js";
import { integerOption } from "../util/options.js";
import type { WebhookEventOf } from "./events.js";
import type { WebhookHandler, WebhookHandlerContext, WebhookHandlers } from "./handlers.js";
import { headerReader } from "./headers.js";
import type { AtomicEffect, InboxEvent, ListOptions, PurgeOptions, WebhookInbox } from "./inbox/types.js";
import type { ParsedEvents } from "./parsed-events.js";
import { resolveScheme, type SchemeName } from "./schemes/index.js";
import type { WebhookScheme } from "./types.js";

export interface WebhookWorkerOptions<Tx = unknown, S extends SchemeName | WebhookScheme = SchemeName | WebhookScheme> {
  inbox: WebhookInbox<Tx>;
  /** Handlers by event type; with a built-in `scheme` their event is typed (`WebhookEventMap`). */
  handlers?: WebhookHandlers<Tx, WebhookEventOf<S>>;
  /** Runs for types without a handler. Without one, such events are marked done untouched. */
  fallback?: WebhookHandler<WebhookEventOf<S>, Tx>;
  /** The scheme that parses stored payloads; default: the built-in scheme named in each record. Needed for `hmacScheme`. */
  scheme?: S;
  /** Handlers running at once. Default 8. */
  concurrency?: number;
  /** Time a handler may take before it counts as failed (its signal aborts). Default `"30s"`. */
  timeout?: Duration;
  /** Tries before an event goes to dead letters. Default 8. */
  maxAttempts?: number;
  /** Wait before retry n (1 = after the first failure). Default full-jitter exponential, 1 s doubling to 10 min. */
  backoff?: Backoff;
  /** How long a claim lasts; a crashed worker's events are claimed again after it. Default timeout + 30 s. */
  lease?: Duration;
  /**
   * How often an idle worker looks for due events. Events stored by this process wake it at once, and so does
   * a retry it scheduled falling due; the poll finds events stored or retried by other processes. Default `"1s"`.
   */
  pollInterval?: Duration;
  clock?: Clock;
  /**
   * Called on each handler failure (and storage failure). Errors thrown here
   * are ignored. Without it, failures go to `logger.error` when a logger is
   * given, else to `process.emitWarning` (code `BALLAST_WEBHOOK_HANDLER_FAILED`):
   * a failing handler is never silent.
   */
  onError?: (error: unknown, event: InboxEvent | undefined) => void;
  /** Where failures are reported when there is no `onError` (pino, console, ...). */
  logger?: Pick<Logger, "error">;
}

export interface WebhookWorkerStats {
  running: boolean;
  inFlight: number;
  succeeded: number;
  failed: number;
  deadLettered: number;
}

export interface WebhookWorker {
  /** Starts the claim loop (idempotent). */
  start(): void;
  /** Stops claiming and waits for in-flight handlers to finish (each is bounded by `timeout`). */
  stop(): Promise<void>;
  /** Wakes an idle worker now (the receiver calls this after storing an event). */
  notify(): void;
  /** Claims and handles one round of due events; returns how many. For cron-style or serverless use, and tests. */
  runOnce(): Promise<number>;
  list(options?: ListOptions): Promise<InboxEvent[]>;
  get(id: string): Promise<InboxEvent | undefined>;
  /** Moves a dead (or done) event back to pending and wakes the worker. */
  replay(id: string): Promise<boolean>;
  purge(options?: PurgeOptions): Promise<number>;
  stats(): WebhookWorkerStats;
}

const processedChannel = channel(CHANNELS.webhookProcessed);
const failedChannel = channel(CHANNELS.webhookFailed);
const deadChannel = channel(CHANNELS.webhookDead);

const TIMED_OUT: unique symbol = Symbol("timed out");

class HandlerTimeout extends Error {
  constructor(ms: number) {
    super(`handler timed out after ${ms} ms`);
  }
}

/** Runs stored events through their handlers: timeouts, retries with backoff, dead letters, leases. */
export function createWebhookWorker<Tx = unknown, const S extends SchemeName | WebhookScheme = SchemeName | WebhookScheme>(
  options: WebhookWorkerOptions<Tx, S>,
): WebhookWorker {
  return startWorker(options, undefined);
}

/** A receiver's own worker: for an event's first attempt it takes the event the receiver parsed. */
export function receiverWorker<Tx = unknown, const S extends SchemeName | WebhookScheme = SchemeName | WebhookScheme>(
  options: WebhookWorkerOptions<Tx, S>,
  parsed: ParsedEvents,
): WebhookWorker {
  return startWorker(options, parsed);
}

function startWorker<Tx, S extends SchemeName | WebhookScheme>(options: WebhookWorkerOptions<Tx, S>, parsed: ParsedEvents | undefined): WebhookWorker {
  const { inbox } = options;
  if (!inbox || typeof inbox.claim !== "function")
    throw new ConfigError("inbox", "must be a webhook inbox (memoryInbox(), sqliteInbox(path), postgresInbox(pool))");
  const handlers = options.handlers ?? {};
  const fixedScheme = options.scheme === undefined ? undefined : resolveScheme(options.scheme);
  const concurrency = integerOption(options.concurrency ?? 8, "worker.concurrency");
  const timeoutMs = toMillis(options.timeout ?? "30s", "worker.timeout");
  const maxAttempts = integerOption(options.maxAttempts ?? 8, "worker.maxAttempts");
  const leaseMs = options.lease === undefined ? timeoutMs + 30_000 : toMillis(options.lease, "worker.lease");
  if (leaseMs <= timeoutMs)
    throw new ConfigError("worker.lease", `must be longer than worker.timeout (${timeoutMs} ms), or a slow handler's event would be claimed twice`);
  const pollMs = toMillis(options.pollInterval ?? "1s", "worker.pollInterval");
  const backoff = options.backoff ?? exponentialBackoff({ base: 1000, cap: 600_000 });
  const clock = options.clock ?? systemClock;
  const lowWater = Math.max(1, Math.floor(concurrency / 4));

  let running = false;
  let loop: Promise<void> | undefined;
  let wake: AbortController | undefined;
  // Set by notify() while a claim is under way, so that wake-up is not lost.
  let woken = false;
  const poke = () => {
    woken = true;
    wake?.abort();
  };
  const inFlight = new Set<Promise<void>>();
  // When this worker's own retries fall due: an idle worker wakes for them rather than at the next poll.
  const retryDue: number[] = [];
  const counts = { succeeded: 0, failed: 0, deadLettered: 0 };

  const report = failureReporter(options.onError, options.logger);

  async function bury(record: InboxEvent, lease: string, reason: string): Promise<void> {
    if (!(await inbox.deadLetter(record.id, lease, reason))) return;
    counts.deadLettered++;
    if (deadChannel.hasSubscribers) deadChannel.publish({ ...outcomeOf(record), reason });
  }

  const schemeFor = (record: InboxEvent) => fixedScheme ?? resolveScheme(record.scheme as SchemeName, "worker.scheme");

  async function handle(record: InboxEvent, lease: string): Promise<void> {
    if (record.attempts > maxAttempts) {
      // Claimed again after its lease ran out on every try: the handler keeps killing its process.
      const reason = record.lastError ?? `exceeded ${maxAttempts} attempts (the process handling it stopped each time)`;
      await bury(record, lease, reason);
      return;
    }
    let event: unknown;
    try {
      const handed = parsed?.take(record.id);
      event = handed !== undefined ? handed.event : schemeFor(record).parse(record.payload, headerReader(record.headers));
    } catch (error) {
      // A payload that cannot be parsed never will be: no retries.
      await bury(record, lease, message(error));
      return;
    }
    const handler = (record.type === undefined ? undefined : handlers[record.type]) ?? options.fallback;
    const effects: Array<AtomicEffect<Tx>> = [];
    const abort = new AbortController();
    const ctx: WebhookHandlerContext<Tx> = {
      id: record.id,
      type: record.type,
      attempt: record.attempts,
      signal: abort.signal,
      record,
      atomically: (effect) => {
        effects.push(effect);
      },
    };
    const started = clock.now();
    try {
      if (handler) await withTimeout(() => handler(event as WebhookEventOf<S>, ctx), abort);
      const now = clock.now();
      if (await inbox.complete(record.id, lease, now, effects)) {
        counts.succeeded++;
        if (processedChannel.hasSubscribers) {
          processedChannel.publish({ ...outcomeOf(record), lagMs: now - record.receivedAt, durationMs: now - started });
        }
      }
    } catch (error) {
      counts.failed++;
      const willRetry = record.attempts < maxAttempts;
      if (failedChannel.hasSubscribers) failedChannel.publish({ ...outcomeOf(record), error, willRetry });
      report(error, record);
      if (!willRetry) {
        await bury(record, lease, message(error));
      } else {
        const due = clock.now() + backoff(record.attempts);
        if (await inbox.retry(record.id, lease, due, message(error))) retryDue.push(due);
      }
    } finally {
      abort.abort();
    }
  }

  // After a timeout, how long to wait for the handler to stop before recording the retry: until
  // about a second before the lease ends (another worker may claim the event after that anyway).
  const stopGraceMs = Math.max(0, leaseMs - timeoutMs - 1000);

  /**
   * Runs the handler; past `timeoutMs` aborts its signal and fails. The
   * failure is reported only once the handler has stopped (or the lease is
   * nearly over): a handler that is still running when its retry starts
   * would run beside it.
   */
  async function withTimeout(run: () => unknown, abort: AbortController): Promise<void> {
    const settled = Promise.resolve()
      .then(run)
      .then(
        () => undefined,
        (error: unknown) => ({ error }),
      );
    const timer = new AbortController();
    const expired = clock.sleep(timeoutMs, timer.signal).then(
      (): typeof TIMED_OUT => TIMED_OUT,
      () => undefined,
    );
    const first = await Promise.race([settled, expired]);
    timer.abort();
    if (first !== TIMED_OUT) {
      if (first) throw first.error;
      return;
    }
    const e = new HandlerTimeout(timeoutMs);
    abort.abort(e);
    const grace = new AbortController();
    await Promise.race([settled, clock.sleep(stopGraceMs, grace.signal).catch(() => {})]);
    grace.abort();
    throw e;
  }

  async function claimRound(limit: number): Promise<InboxEvent[]> {
    const lease = randomUUID();
    const claimed = await inbox.claim({ limit, leaseMs, now: clock.now(), lease });
    for (const record of claimed) {
      const p: Promise<void> = handle(record, lease)
        .catch((error) => {
          // Storage failed while recording the outcome: the lease expires and the event is claimed again.
          report(error, record);
        })
        .finally(() => {
          inFlight.delete(p);
          poke();
        });
      inFlight.add(p);
    }
    return claimed;
  }

  /** Drops the retry times a claim made at `claimedAt` has already covered. */
  function forgetDue(claimedAt: number): void {
    for (let i = retryDue.length - 1; i >= 0; i--) if (retryDue[i]! <= claimedAt) retryDue.splice(i, 1);
  }

  /** Until the earliest retry of this worker falls due, at most the poll interval. */
  function idleWait(): number {
    let next = Number.POSITIVE_INFINITY;
    for (const due of retryDue) if (due < next) next = due;
    return Math.min(pollMs, Math.max(0, next - clock.now()));
  }

  async function run(): Promise<void> {
    while (running) {
      woken = false;
      const free = concurrency - inFlight.size;
      // Without a successful claim (slots busy: a finished handler wakes the loop; the inbox failing: back
      // off), a due retry must not shorten the wait, or the loop would spin.
      let wait = pollMs;
      // Claim in batches: with most slots busy, wait for more to free up (one claim per event costs a commit each).
      if (free >= lowWater || inFlight.size === 0) {
        const claimedAt = clock.now();
        try {
          await claimRound(free);
          forgetDue(claimedAt);
          wait = idleWait();
        } catch (error) {
          report(error, undefined);
        }
      }
      if (!running) break;
      // Wait for a wake-up (a stored event, a finished handler), the next
      // retry falling due, or the poll interval. Claiming again at once would
      // spin on a half-empty inbox.
      if (!woken) {
        wake = new AbortController();
        await clock.sleep(wait, wake.signal).catch(() => {});
        wake = undefined;
      }
    }
  }

  return {
    start() {
      if (running) return;
      running = true;
      loop = run();
    },
    async stop() {
      running = false;
      wake?.abort();
      await loop;
      await Promise.all(inFlight);
    },
    notify: poke,
    async runOnce() {
      const claimed = await claimRound(concurrency);
      await Promise.all(inFlight);
      return claimed.length;
    },
    list: (o) => inbox.list(o),
    get: (id) => inbox.get(id),
    async replay(id) {
      const ok = await inbox.replay(id, clock.now());
      if (ok) poke();
      return ok;
    },
    purge: (o) => inbox.purge(o),
    stats: () => ({ running, inFlight: inFlight.size, ...counts }),
  };
}

const outcomeOf = (record: InboxEvent) => ({ scheme: record.scheme, id: record.id, type: record.type, attempt: record.attempts });

/**
 * Where failures go: `onError`, else the logger, else a process warning.
 * Reporting never throws into the worker.
 */
function failureReporter(
  onError: WebhookWorkerOptions["onError"],
  logger: WebhookWorkerOptions["logger"],
): (error: unknown, record: InboxEvent | undefined) => void {
  const describe = (error: unknown, record: InboxEvent | undefined) =>
    record === undefined
      ? `ballast webhook worker: claiming events failed: ${message(error)}`
      : `ballast webhook handler failed for event ${record.id} (${record.type ?? "no type"}, attempt ${record.attempts}): ${message(error)}`;
  const sink: (error: unknown, record: InboxEvent | undefined) => void = onError
    ? onError
    : logger
      ? (error, record) => logger.error({ id: record?.id, type: record?.type, attempt: record?.attempts, error: message(error) }, describe(error, record))
      : (error, record) => process.emitWarning(describe(error, record), { code: "BALLAST_WEBHOOK_HANDLER_FAILED" });
  return (error, record) => {
    try {
      sink(error, record);
    } catch {}
  };
}

function message(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
