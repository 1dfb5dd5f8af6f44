import type { Clock } from "../../clock.js";
import type { Store } from "../../stores/types.js";

/** The part of a `Store` the cache uses: `memoryStore()`, `redisStore()` and the LRU below all fit. */
export type CacheStore = Pick<Store, "get" | "set" | "delete">;

export interface LruCacheStore extends CacheStore {
  /** Entries and bytes held now. */
  size(): { entries: number; bytes: number };
}

interface Slot {
  value: string;
  expires: number;
  bytes: number;
}

/**
 * An in-memory store bounded by total size (key + value length in UTF-16
 * units, a close proxy for memory). Least recently used entries go first;
 * expired entries are dropped when read or when room is needed.
 */
export function lruCacheStore(maxBytes: number, clock: Clock): LruCacheStore {
  const slots = new Map<string, Slot>();
  let bytes = 0;
  const drop = (key: string, slot: Slot) => {
    slots.delete(key);
    bytes -= slot.bytes;
  };
  return {
    async get(key) {
      const slot = slots.get(key);
      if (slot === undefined) return undefined;
      if (slot.expires <= clock.now()) {
        drop(key, slot);
        return undefined;
      }
      // Re-insert to mark as most recently used (Map keeps insertion order).
      slots.delete(key);
      slots.set(key, slot);
      return slot.value;
    },
    async set(key, value, ttlMs) {
      const old = slots.get(key);
      if (old !== undefined) drop(key, old);
      const size = key.length + value.length;
      if (size > maxBytes) return;
      const now = clock.now();
      for (const [k, s] of slots) {
        if (bytes + size <= maxBytes) break;
        drop(k, s);
      }
      // Expired entries anywhere would also free room, but the oldest-first sweep above is enough to stay bounded.
      slots.set(key, { value, expires: ttlMs === undefined ? Number.POSITIVE_INFINITY : now + ttlMs, bytes: size });
      bytes += size;
    },
    async delete(key) {
      const slot = slots.get(key);
      if (slot !== undefined) drop(key, slot);
    },
    size: () => ({ entries: slots.size, bytes }),
  };
}
