/**
 * Copies that stay on V8's fast paths. In Node 20 (V8 11.3) a spread that adds
 * a key its source lacks — `{ ...headers, authorization }` when `headers` has
 * no `authorization` — falls off the object-clone fast path and costs ~1 µs
 * (over 10× a spread that only replaces keys), on every request. These helpers
 * build the same objects without that cliff.
 */

/** `{ ...record, [name]: value }`: the same keys in the same order, `name` last when new. */
export function withEntry<V>(record: Readonly<Record<string, V>>, name: string, value: V): Record<string, V> {
  const out: Record<string, V> = Object.assign({}, record);
  out[name] = value;
  return out;
}
