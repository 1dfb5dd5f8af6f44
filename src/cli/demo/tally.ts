import type { LiveStats } from "../../dashboard/index.js";
import { table } from "../output.js";

/** What the demo counts across its acts, for the closing table and the exit code. */
export class Tally {
  calls = 0;
  retries = 0;
  rateLimitWaits = 0;
  breakerTrips = 0;
  /** Retried POSTs the server answered from its idempotency store instead of charging again. */
  duplicateChargesPrevented = 0;
  /** Webhook deliveries of an event already stored: acknowledged, not processed twice. */
  duplicateWebhooksPrevented = 0;
  /** Side effects made more than once (must stay 0). */
  duplicatedEffects = 0;
  webhooksVerified = 0;
  webhooksRejected = 0;
  webhooksAcknowledged = 0;
  webhooksProcessed = 0;
  readonly latencies: number[] = [];
  /** The client calls' split (from the channels): the API's own latency apart from time queued on this side. */
  clientTimes: Pick<LiveStats, "api" | "queue"> | undefined;

  /** Times one call (ms), counting it. */
  async time<T>(call: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await call();
    } finally {
      this.latencies.push(performance.now() - started);
    }
  }

  percentile(p: number): number {
    if (this.latencies.length === 0) return 0;
    const sorted = [...this.latencies].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
  }

  /** Why the run failed, or an empty list. */
  failures(): string[] {
    const out: string[] = [];
    if (this.duplicatedEffects > 0) out.push(`${this.duplicatedEffects} side effects happened more than once`);
    if (this.webhooksProcessed < this.webhooksAcknowledged)
      out.push(`${this.webhooksAcknowledged - this.webhooksProcessed} acknowledged webhooks were not processed`);
    return out;
  }

  /** Where the client calls' time went: at the API, or queued here (each cause's total). */
  private timesRows(ms: (n: number) => string): string[][] {
    const t = this.clientTimes;
    if (t === undefined) return [];
    const q = t.queue;
    const s = (n: number) => `${(n / 1000).toFixed(2)} s`;
    return [
      ["API time p50 / p95", `${ms(t.api.p50)} / ${ms(t.api.p95)}`],
      ["queued p50 / p95", `${ms(q.p50)} / ${ms(q.p95)}`],
      ["queued in all", `rate limit ${s(q.rateLimitMs)}, concurrency ${s(q.concurrencyMs)}, retry backoff ${s(q.backoffMs)}`],
    ];
  }

  render(): string {
    const ms = (n: number) => `${n.toFixed(1)} ms`;
    return table([
      ["", ""],
      ["calls", String(this.calls)],
      ["retries", String(this.retries)],
      ["rate-limit waits", String(this.rateLimitWaits)],
      ["breaker trips", String(this.breakerTrips)],
      [
        "duplicates prevented",
        `${this.duplicateChargesPrevented + this.duplicateWebhooksPrevented} (charges ${this.duplicateChargesPrevented}, webhooks ${this.duplicateWebhooksPrevented})`,
      ],
      ["duplicated side effects", String(this.duplicatedEffects)],
      ["webhooks verified", String(this.webhooksVerified)],
      ["webhooks processed", `${this.webhooksProcessed} of ${this.webhooksAcknowledged} acknowledged`],
      ["webhooks rejected", String(this.webhooksRejected)],
      ["latency p50 / p95", `${ms(this.percentile(50))} / ${ms(this.percentile(95))}`],
      ...this.timesRows(ms),
    ])
      .split("\n")
      .slice(1)
      .join("\n");
  }
}
