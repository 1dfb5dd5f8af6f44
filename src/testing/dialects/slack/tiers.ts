/** Fixed windows of `windowMs` per key; `take` says how long to wait (ms) when the window is full. */
export class WindowCounter {
  readonly #windows = new Map<string, { count: number; endsAt: number }>();

  constructor(private readonly now: () => number) {}

  take(key: string, limit: number, windowMs: number): number | undefined {
    const now = this.now();
    let w = this.#windows.get(key);
    if (!w || w.endsAt <= now) {
      w = { count: 0, endsAt: now + windowMs };
      this.#windows.set(key, w);
    }
    if (w.count >= limit) return w.endsAt - now;
    w.count++;
    return undefined;
  }

  clear(): void {
    this.#windows.clear();
  }
}
