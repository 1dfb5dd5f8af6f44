import type { ClientOptions } from "../../src/client/options.js";

/**
 * The policies of the "full pipeline" row (besides bearer auth), set so that
 * none ever makes a request wait: the socket bench and pipeline-cost.ts
 * measure the same pipeline.
 */
export const FULL_PIPELINE = {
  rateLimit: {
    limits: [
      { requests: 1_000_000, per: "1s" },
      { requests: 1_000_000_000, per: "1h" },
    ],
  },
  circuitBreaker: { failureRate: 0.5, minimumRequests: 20 },
  concurrency: 256,
} satisfies Partial<ClientOptions>;
