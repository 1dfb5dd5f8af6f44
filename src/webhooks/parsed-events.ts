/**
 * Events a receiver has just verified, parsed and stored, kept for its own
 * worker so that a delivery is parsed once. The worker takes (removes) an
 * event for its first attempt; a retry parses the stored payload afresh, so a
 * handler's changes to the object never reach its next attempt. Bounded: a worker in
 * another process may claim an event first, and the oldest entries go.
 */
export class ParsedEvents {
  readonly #events = new Map<string, unknown>();
  readonly #max: number;

  constructor(max = 64) {
    this.#max = max;
  }

  put(id: string, event: unknown): void {
    this.#events.delete(id);
    this.#events.set(id, event);
    if (this.#events.size > this.#max) this.#events.delete(this.#events.keys().next().value as string);
  }

  /** The event stored under `id`, removed; undefined when there is none. */
  take(id: string): { event: unknown } | undefined {
    if (!this.#events.has(id)) return undefined;
    const event = this.#events.get(id);
    this.#events.delete(id);
    return { event };
  }

  get size(): number {
    return this.#events.size;
  }
}
