/** Slack's documented Web API rate-limit tiers: requests per minute, per method and workspace/token. */
export const TIER_PER_MINUTE = { 1: 1, 2: 20, 3: 50, 4: 100 } as const;

export type SlackTier = keyof typeof TIER_PER_MINUTE;

/** The tier of the methods the dialect serves (others count as tier 3). `chat.postMessage` is special: about 1 per second per channel. */
export const METHOD_TIERS: Readonly<Record<string, SlackTier>> = {
  "auth.test": 4,
  "conversations.list": 2,
  "conversations.history": 3,
  "users.list": 2,
};

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
