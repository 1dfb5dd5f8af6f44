/**
 * Real-time waits (reply delays) that the simulator can cut short on close, so
 * a closed simulator leaves no timer holding the process open.
 */
export interface Waiter {
  /** Resolves `true` after `ms`, or `false` at once when the waiter is (or gets) cancelled. */
  wait(ms: number): Promise<boolean>;
  cancelAll(): void;
}

export function createWaiter(): Waiter {
  const pending = new Map<NodeJS.Timeout, (done: boolean) => void>();
  let cancelled = false;
  return {
    wait(ms) {
      if (cancelled) return Promise.resolve(false);
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          pending.delete(timer);
          resolve(true);
        }, ms);
        pending.set(timer, resolve);
      });
    },
    cancelAll() {
      cancelled = true;
      for (const [timer, resolve] of pending) {
        clearTimeout(timer);
        resolve(false);
      }
      pending.clear();
    },
  };
}
