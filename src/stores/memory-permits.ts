import type { Clock } from "../clock.js";
import type { Permit, PermitFastPath } from "./types.js";

/** The permits of one key: lease end per permit number, and the earliest of them (no scan for expired leases before it). */
interface Held {
  leases: Map<number, number>;
  firstExpiry: number;
}

/**
 * A permit of the memory store. Its id is its number in the store; the leases
 * are kept by number, so taking and giving back a permit (twice per request
 * under a concurrency limit) hashes no string. `id` is an own property, not a
 * getter: a copy of the permit (`{ ...permit }`, JSON) keeps it, and giving
 * such a copy back frees the permit.
 */
class LocalPermit implements Permit {
  readonly id: string;
  constructor(
    readonly key: string,
    readonly n: number,
  ) {
    this.id = String(n);
  }
}

/** The number a permit was given (a `LocalPermit`'s own, or read back from the id of a copy). */
const numberOf = (permit: Permit): number => (permit instanceof LocalPermit ? permit.n : Number(permit.id));

/** The memory store's semaphores: permits with leases, taken and given back synchronously. */
export function memoryPermits(clock: Clock) {
  const permits = new Map<string, Held>();
  let seq = 0;
  // The last key used, to skip a map lookup when one key is hot (forgotten when swept).
  let lastKey: string | undefined;
  let last: Held | undefined;

  function heldOf(key: string): Held {
    if (key === lastKey) return last as Held;
    let held = permits.get(key);
    if (held === undefined) {
      held = { leases: new Map(), firstExpiry: Number.POSITIVE_INFINITY };
      permits.set(key, held);
    }
    lastKey = key;
    last = held;
    return held;
  }

  /** Drops expired leases (a scan only when one can have ended: never with the endless leases of one process). */
  function expire(held: Held, now: number): void {
    if (held.firstExpiry > now) return;
    let first = Number.POSITIVE_INFINITY;
    for (const [n, until] of held.leases) {
      if (until <= now) held.leases.delete(n);
      else if (until < first) first = until;
    }
    held.firstExpiry = first;
  }

  function lease(held: Held, n: number, until: number): void {
    held.leases.set(n, until);
    if (until < held.firstExpiry) held.firstExpiry = until;
  }

  const fast: PermitFastPath = {
    takeNow(key, limit, leaseMs) {
      const held = heldOf(key);
      // Endless leases (one process's semaphore) need no clock: nothing expires.
      const now = leaseMs === Number.POSITIVE_INFINITY && held.firstExpiry === Number.POSITIVE_INFINITY ? 0 : clock.now();
      expire(held, now);
      if (held.leases.size >= limit) return undefined;
      const n = ++seq;
      lease(held, n, now + leaseMs);
      return new LocalPermit(key, n);
    },
    release(permit) {
      (permit.key === lastKey ? last : permits.get(permit.key))?.leases.delete(numberOf(permit));
    },
  };

  return {
    fast,
    /** Extends a permit's lease; false when it has expired or was given back. */
    renew(permit: Permit, leaseMs: number): boolean {
      const now = clock.now();
      const held = heldOf(permit.key);
      expire(held, now);
      const n = numberOf(permit);
      if (!held.leases.has(n)) return false;
      lease(held, n, now + leaseMs);
      return true;
    },
    /** Drops expired leases and keys left without permits. */
    sweep(now: number): void {
      lastKey = undefined;
      last = undefined;
      for (const [k, held] of permits) {
        for (const [n, until] of held.leases) if (until <= now) held.leases.delete(n);
        if (held.leases.size === 0) permits.delete(k);
      }
    },
  };
}
