import { type Clock, systemClock } from "../clock.js";
import { ConfigError } from "../errors.js";
import { type Duration, toMillis } from "../util/duration.js";
import { integerOption } from "../util/options.js";
import { BatchError } from "./errors.js";

/** What a batch `load` may return for its keys. */
export type BatchResult<K, V> =
  /** Values in key order; an `Error` fails that key only; `undefined` means not found. */
  | ReadonlyArray<V | Error | undefined>
  /** Values by key; a key left out resolves to `undefined`. */
  | ReadonlyMap<K, V | Error>;

export interface BatchOptions<K, V> {
  /**
   * Loads many keys in one call, e.g.
   * `(ids) => client.get("/users", { query: { ids: ids.join(",") } })`.
   * Returns values in key order or a Map; with `key`, any array of values in any order.
   */
  load: (keys: K[]) => Promise<BatchResult<K, V> | ReadonlyArray<V>>;
  /** Matches returned values to keys (`(user) => user.id`), for APIs that return items in their own order and skip unknown ids. */
  key?: (value: V) => K;
  /** Most keys in one call (default 100); more start another call. */
  maxBatchSize?: number;
  /** How long to collect keys before calling `load` (default 0: the keys asked for in the same turn of the event loop). */
  window?: Duration;
  /** Identity of a key, for keys that are objects (default `String(key)`). */
  cacheKey?: (key: K) => string;
  clock?: Clock;
}

export interface BatchStats {
  /** Calls to `load`. */
  batches: number;
  /** Keys asked for, and keys sent (duplicates within a batch are sent once). */
  requested: number;
  sent: number;
}

export interface Batcher<K, V> {
  /** The value for `key` (undefined when the API did not return it); rejects with that key's error. */
  load(key: K): Promise<V | undefined>;
  /** Values for many keys; a failed key rejects the whole call (use `load` per key to keep the others). */
  loadMany(keys: ReadonlyArray<K>): Promise<Array<V | undefined>>;
  stats(): BatchStats;
}

interface Waiter<V> {
  resolve: (v: V | undefined) => void;
  reject: (e: unknown) => void;
}

interface Pending<K, V> {
  keys: K[];
  waiters: Map<string, Waiter<V>[]>;
  fired: boolean;
}

/**
 * A DataLoader-style batcher: `load(id)` calls made close together become one
 * `load(ids)` call, with per-key results and errors. It does not cache: each
 * batch asks the API again (put `cache()` on the client for HTTP caching).
 */
export function batch<K, V>(options: BatchOptions<K, V>): Batcher<K, V> {
  if (options === null || typeof options !== "object" || typeof options.load !== "function")
    throw new ConfigError("batch.load", "must be a function (keys) => Promise<values>");
  const maxBatchSize = integerOption(options.maxBatchSize ?? 100, "batch.maxBatchSize");
  const windowMs = toMillis(options.window ?? 0, "batch.window");
  const clock = options.clock ?? systemClock;
  const idOf = options.cacheKey ?? ((k: K) => String(k));
  const counts = { batches: 0, requested: 0, sent: 0 };
  let pending: Pending<K, V> | undefined;

  /** Sends a batch once: when its window ends, or at once when it is full. */
  function fire(p: Pending<K, V>): void {
    if (p.fired) return;
    p.fired = true;
    if (pending === p) pending = undefined;
    void dispatch(p);
  }

  function schedule(p: Pending<K, V>): void {
    const go = () => fire(p);
    // A window of 0 collects the current turn of the event loop.
    if (windowMs === 0) setImmediate(go);
    else clock.sleep(windowMs).then(go, go);
  }

  function settle(p: Pending<K, V>, result: unknown): void {
    const { keys, waiters } = p;
    const fail = (id: string, err: unknown) => {
      for (const w of waiters.get(id) ?? []) w.reject(err);
    };
    const succeed = (id: string, v: V | undefined) => {
      for (const w of waiters.get(id) ?? []) w.resolve(v);
    };
    const deliver = (id: string, v: V | Error | undefined) => (v instanceof Error ? fail(id, v) : succeed(id, v));
    if (options.key !== undefined) {
      if (!Array.isArray(result)) throw new BatchError("with key, load must return an array of values");
      const byId = new Map<string, V>();
      for (const v of result as V[]) byId.set(idOf(options.key(v)), v);
      for (const k of keys) deliver(idOf(k), byId.get(idOf(k)));
    } else if (result instanceof Map) {
      const byId = new Map<string, V | Error>();
      for (const [k, v] of result as Map<K, V | Error>) byId.set(idOf(k), v);
      for (const k of keys) deliver(idOf(k), byId.get(idOf(k)));
    } else if (Array.isArray(result)) {
      if (result.length !== keys.length)
        throw new BatchError(`load returned ${result.length} values for ${keys.length} keys; return them in key order, or pass key: (value) => id`);
      for (let i = 0; i < keys.length; i++) deliver(idOf(keys[i] as K), result[i] as V | Error | undefined);
    } else {
      throw new BatchError("load must return an array or a Map");
    }
  }

  async function dispatch(p: Pending<K, V>): Promise<void> {
    counts.batches++;
    counts.sent += p.keys.length;
    try {
      settle(p, await options.load([...p.keys]));
    } catch (err) {
      // The whole call failed (or broke the contract): every key of this batch fails with it.
      for (const list of p.waiters.values()) for (const w of list) w.reject(err);
    }
  }

  function load(key: K): Promise<V | undefined> {
    counts.requested++;
    return new Promise((resolve, reject) => {
      const id = idOf(key);
      let p = pending;
      if (p === undefined || (!p.waiters.has(id) && p.keys.length >= maxBatchSize)) {
        p = { keys: [], waiters: new Map(), fired: false };
        pending = p;
        schedule(p);
      }
      const list = p.waiters.get(id);
      if (list) list.push({ resolve, reject });
      else {
        p.waiters.set(id, [{ resolve, reject }]);
        p.keys.push(key);
      }
      if (p.keys.length >= maxBatchSize) fire(p); // full: send now; the next key starts a new batch
    });
  }

  return {
    load,
    loadMany: (keys) => Promise.all(keys.map(load)),
    stats: () => ({ ...counts }),
  };
}
