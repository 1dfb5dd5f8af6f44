/**
 * Group commit: callers enqueue work and each gets its own result, but the
 * work is flushed in batches — one transaction, one fsync, for many events.
 * A batch starts when the previous one finishes (up to `concurrency` at once),
 * so under load batches grow by themselves and at low load nothing waits.
 *
 * The flush timer is I/O scheduling, not policy time, so it is not a Clock.
 */
export interface BatcherOptions<I, O> {
  /** Writes all items in one transaction; returns one result (or Error) per item, in order. */
  flush(items: I[]): Promise<Array<O | Error>>;
  /** Most items per batch. */
  maxBatch: number;
  /** Extra time (ms) to wait for more items before flushing; 0 flushes on the next turn of the event loop. */
  maxDelayMs: number;
  /** Batches in flight at once (1 for SQLite's single writer, the pool size for PostgreSQL). */
  concurrency: number;
}

interface Pending<I, O> {
  item: I;
  resolve(value: O): void;
  reject(error: unknown): void;
}

export interface Batcher<I, O> {
  run(item: I): Promise<O>;
  /** Resolves when nothing is queued or in flight. */
  idle(): Promise<void>;
}

export function createBatcher<I, O>(options: BatcherOptions<I, O>): Batcher<I, O> {
  let queue: Array<Pending<I, O>> = [];
  let inFlight = 0;
  let scheduled = false;
  let idleWaiters: Array<() => void> = [];

  const schedule = () => {
    if (scheduled || inFlight >= options.concurrency || queue.length === 0) return;
    scheduled = true;
    const go = () => {
      scheduled = false;
      void flushOne();
    };
    if (options.maxDelayMs > 0) setTimeout(go, options.maxDelayMs);
    else setImmediate(go);
  };

  const flushOne = async () => {
    if (inFlight >= options.concurrency || queue.length === 0) return;
    const batch = queue.length <= options.maxBatch ? queue : queue.slice(0, options.maxBatch);
    queue = queue.length <= options.maxBatch ? [] : queue.slice(options.maxBatch);
    inFlight++;
    // More queued than one batch takes, or spare concurrency: start the next one too.
    schedule();
    try {
      const results = await options.flush(batch.map((p) => p.item));
      batch.forEach((p, i) => {
        const r = results[i];
        if (r instanceof Error) p.reject(r);
        else p.resolve(r as O);
      });
    } catch (error) {
      for (const p of batch) p.reject(error);
    } finally {
      inFlight--;
      schedule();
      if (inFlight === 0 && queue.length === 0) {
        const waiters = idleWaiters;
        idleWaiters = [];
        for (const w of waiters) w();
      }
    }
  };

  return {
    run(item) {
      return new Promise<O>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        schedule();
      });
    },
    idle() {
      if (inFlight === 0 && queue.length === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
  };
}
