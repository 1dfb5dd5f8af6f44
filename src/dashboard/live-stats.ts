import { type CallTimes, CHANNELS, subscribeChannel } from "../channels.js";

const SAMPLES = 1024;

/** p50 and p95 of a series, in ms. */
export interface LivePercentiles {
  p50: number;
  p95: number;
}

/** What this process's clients and workers did since the dashboard started, from the channel registry. */
export interface LiveStats {
  calls: number;
  errors: number;
  errorRate: number;
  /** Whole calls, start to end (ms, last 1024 calls): the API's time plus queueing, retries and backoff. */
  latency: LivePercentiles;
  /**
   * The API's own latency (ms, last 1024 calls that got an answer): the last answered attempt, from
   * sending to the end of its body (to its headers for `raw()` and `sse()`, whose body the caller reads).
   */
  api: LivePercentiles;
  /** Time calls spent queued on this side (ms, last 1024 calls), and since start the total of each cause. */
  queue: LivePercentiles & { rateLimitMs: number; concurrencyMs: number; backoffMs: number };
  retries: number;
  rateLimitWaits: number;
  rateLimitWaitMs: number;
  webhooks: { received: number; verified: number; rejected: number; processed: number; failed: number; dead: number };
}

/** The last 1024 values of one series. */
function series() {
  const values = new Float64Array(SAMPLES);
  let filled = 0;
  let cursor = 0;
  return {
    add(v: number) {
      values[cursor] = v;
      cursor = (cursor + 1) % SAMPLES;
      if (filled < SAMPLES) filled++;
    },
    percentiles(): LivePercentiles {
      const sorted = values.slice(0, filled).sort();
      const at = (q: number) => (filled === 0 ? 0 : (sorted[Math.min(filled - 1, Math.floor(q * filled))] as number));
      return { p50: at(0.5), p95: at(0.95) };
    },
  };
}

/** Counts calls and webhooks as they are published; `close()` unsubscribes. */
export function collectLiveStats(): { snapshot(): LiveStats; close(): void } {
  const s = { calls: 0, errors: 0, retries: 0, rateLimitWaits: 0, rateLimitWaitMs: 0 };
  const queued = { rateLimitMs: 0, concurrencyMs: 0, backoffMs: 0 };
  const webhooks = { received: 0, verified: 0, rejected: 0, processed: 0, failed: 0, dead: 0 };
  const latency = series();
  const api = series();
  const queue = series();
  const record = (e: CallTimes & { durationMs: number }, failed: boolean) => {
    s.calls++;
    if (failed) s.errors++;
    latency.add(e.durationMs);
    const apiMs = e.apiMs ?? e.firstByteMs;
    if (apiMs !== undefined) api.add(apiMs);
    queue.add(e.queueMs);
    queued.rateLimitMs += e.queue.rateLimitMs;
    queued.concurrencyMs += e.queue.concurrencyMs;
    queued.backoffMs += e.queue.backoffMs;
  };
  const offs = [
    subscribeChannel(CHANNELS.requestEnd, (e) => record(e, e.status >= 400)),
    subscribeChannel(CHANNELS.requestError, (e) => record(e, true)),
    subscribeChannel(CHANNELS.requestRetry, () => {
      s.retries++;
    }),
    subscribeChannel(CHANNELS.rateLimitWait, (e) => {
      s.rateLimitWaits++;
      s.rateLimitWaitMs += e.waitMs;
    }),
    subscribeChannel(CHANNELS.webhookReceived, () => void webhooks.received++),
    subscribeChannel(CHANNELS.webhookVerified, () => void webhooks.verified++),
    subscribeChannel(CHANNELS.webhookRejected, () => void webhooks.rejected++),
    subscribeChannel(CHANNELS.webhookProcessed, () => void webhooks.processed++),
    subscribeChannel(CHANNELS.webhookFailed, () => void webhooks.failed++),
    subscribeChannel(CHANNELS.webhookDead, () => void webhooks.dead++),
  ];
  return {
    snapshot() {
      return {
        ...s,
        errorRate: s.calls === 0 ? 0 : s.errors / s.calls,
        latency: latency.percentiles(),
        api: api.percentiles(),
        queue: { ...queue.percentiles(), ...queued },
        webhooks: { ...webhooks },
      };
    },
    close() {
      for (const off of offs) off();
    },
  };
}
