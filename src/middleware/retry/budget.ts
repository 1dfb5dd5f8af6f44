import { numberOption } from "../../util/options.js";

export interface RetryBudgetOptions {
  /** Tokens when full (default 500). */
  capacity?: number;
  /** Tokens a retry costs (default 5). */
  retryCost?: number;
  /** Tokens a retry after a timeout costs (default 10): timeouts are the most expensive to pile on. */
  timeoutCost?: number;
  /** Tokens a success without retry gives back (default 1). */
  successRefund?: number;
}

/**
 * A token bucket shared by every call of a client, as the AWS SDKs' retry
 * quota: each retry spends tokens, each success refunds some. While an API is
 * healthy the bucket stays full; when most calls fail it empties and retries
 * stop, so a failing API does not get a retry storm on top of its traffic.
 */
export interface RetryBudget {
  /** Spends the cost of one retry; false when the budget cannot afford it. */
  tryAcquire(afterTimeout: boolean): boolean;
  /** Gives back tokens after a success (`retried`: the success came after retries, which refunds their cost). */
  release(retried: number): void;
  readonly available: number;
}

export function retryBudget(options: RetryBudgetOptions = {}): RetryBudget {
  const capacity = options.capacity ?? 500;
  const retryCost = options.retryCost ?? 5;
  const timeoutCost = options.timeoutCost ?? 10;
  const refund = options.successRefund ?? 1;
  for (const [k, v] of Object.entries({ capacity, retryCost, timeoutCost, successRefund: refund })) {
    numberOption(v, `retry.budget.${k}`);
  }
  let tokens = capacity;
  return {
    tryAcquire(afterTimeout) {
      const cost = afterTimeout ? timeoutCost : retryCost;
      if (tokens < cost) return false;
      tokens -= cost;
      return true;
    },
    release(retried) {
      tokens = Math.min(capacity, tokens + (retried > 0 ? retried * retryCost : refund));
    },
    get available() {
      return tokens;
    },
  };
}
