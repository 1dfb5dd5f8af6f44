/** A request waiting for its turn: ordered by priority (lower first), then arrival. */
export interface Waiter {
  readonly priority: number;
  readonly seq: number;
  /** Local clock time after which the waiter gives up (Infinity: never). */
  readonly deadline: number;
  /** Set once the waiter has been granted, failed or aborted. */
  settled: boolean;
  grant(wait: number): void;
  fail(retryAt: number): void;
  /** Rejects with a `StoreError` made of `err` (the store failed or did not answer in time). */
  error(err: unknown): void;
}

/** Inserts `w` after every waiter that goes before it (stable: FIFO within a priority). */
export function enqueue(queue: Waiter[], w: Waiter): void {
  let lo = 0;
  let hi = queue.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const m = queue[mid] as Waiter;
    if (m.priority < w.priority || (m.priority === w.priority && m.seq < w.seq)) lo = mid + 1;
    else hi = mid;
  }
  queue.splice(lo, 0, w);
}

/** How many waiters would go before a new one of `priority`. */
export function aheadOf(queue: ReadonlyArray<Waiter>, priority: number): number {
  let n = 0;
  for (const w of queue) if (w.priority <= priority) n++;
  return n;
}

export function remove(queue: Waiter[], w: Waiter): void {
  const i = queue.indexOf(w);
  if (i !== -1) queue.splice(i, 1);
}
