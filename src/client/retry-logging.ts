import { type LoggingOptions, logRetries } from "../middleware/logging/logging.js";
import type { RetryEvent, RetryOptions } from "../middleware/retry/retry.js";

/**
 * The client's retry options. `retry: false` still gives a retry step of one
 * attempt, so a call can ask for retries (`retry: { attempts: 2 }`) from a
 * client built without them. With a logger, each retry is logged before the
 * user's `onRetry` runs.
 */
export function retryWithLogging(retry: RetryOptions | false | undefined, log: LoggingOptions | undefined): RetryOptions | undefined {
  const options = retry === false ? { attempts: 1 } : retry;
  const logHook = log && logRetries(log);
  if (!logHook) return options;
  const userHook = options?.onRetry;
  const onRetry = userHook
    ? (e: RetryEvent) => {
        logHook(e);
        userHook(e);
      }
    : logHook;
  return { ...options, onRetry };
}
