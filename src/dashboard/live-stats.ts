import { CHANNELS, subscribeChannel } from "../channels.js";

const SAMPLES = 1024;

/** What this process's clients and workers did since the dashboard started, from the channel registry. */
export interface LiveStats {
  calls: number;
  errors: number;
  errorRate: number;
  /** Call latency percentiles (ms) over the last 1024 calls. */
  latency: { p50: number; p95: number };
  retries: number;
  rateLimitWaits: number;
  rateLimitWaitMs: number;
  webhooks: { received: number; verified: number; rejected: number; processed: number; failed: number; dead: number };
}

/** Counts calls and webhooks as they are published; `close()` unsubscribes. */
export function collectLiveStats(): { snapshot(): LiveStats; close(): void } {
  const s = { calls: 0, errors: 0, retries: 0, rateLimitWaits: 0, rateLimitWaitMs: 0 };
  const webhooks = { received: 0, verified: 0, rejected: 0, processed: 0, failed: 0, dead: 0 };
  const samples = new Float64Array(SAMPLES);
  let filled = 0;
  let cursor = 0;
  const record = (ms: number, failed: boolean) => {
    s.calls++;
    if (failed) s.errors++;
    samples[cursor] = ms;
    cursor = (cursor + 1) % SAMPLES;
    if (filled < SAMPLES) filled++;
  };
  const offs = [
    subscribeChannel(CHANNELS.requestEnd, (e) => record(e.durationMs, e.status >= 400)),
    subscribeChannel(CHANNELS.requestError, (e) => record(e.durationMs, true)),
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
      const sorted = samples.slice(0, filled).sort();
      const at = (q: number) => (filled === 0 ? 0 : (sorted[Math.min(filled - 1, Math.floor(q * filled))] as number));
      return { ...s, errorRate: s.calls === 0 ? 0 : s.errors / s.calls, latency: { p50: at(0.5), p95: at(0.95) }, webhooks: { ...webhooks } };
    },
    close() {
      for (const off of offs) off();
    },
  };
}
