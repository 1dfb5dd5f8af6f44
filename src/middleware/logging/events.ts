import { type CallTimes, CHANNELS, subscribeChannel } from "../../channels.js";
import { isApiError, isHttpError } from "../../errors.js";
import type { Logger } from "./logging.js";

const describe = (error: unknown) => (isApiError(error) ? error.code : error instanceof Error ? error.name : "error");
const text = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** A call's time queued on this side and, when an attempt was answered, the API's own (to the end of the body, else to its headers). */
function whereTimeWent(e: CallTimes): { queueMs: number; apiMs?: number } {
  const apiMs = e.apiMs ?? e.firstByteMs;
  return apiMs === undefined ? { queueMs: e.queueMs } : { queueMs: e.queueMs, apiMs };
}

/**
 * Logs what happens anywhere in the process from ballast's diagnostics
 * channels: calls (info, warn for 4xx/5xx, error when they throw), retries,
 * rate-limit waits, breaker changes, token refreshes and webhooks. URLs are
 * redacted before they are published; no headers or bodies are. Returns the
 * function that stops logging.
 *
 * ```ts
 * const stop = logEvents(pino());
 * ```
 */
export function logEvents(logger: Logger): () => void {
  const debug = (obj: Record<string, unknown>, msg: string) => logger.debug?.(obj, msg);
  const subscriptions = [
    subscribeChannel(CHANNELS.requestEnd, (e) => {
      const entry = {
        kind: e.kind,
        method: e.request.method,
        url: e.request.url,
        status: e.status,
        attempts: e.attempts,
        durationMs: e.durationMs,
        ...whereTimeWent(e),
      };
      if (e.status >= 400) logger.warn(entry, "ballast response");
      else logger.info(entry, "ballast response");
    }),
    subscribeChannel(CHANNELS.requestError, (e) => {
      const entry = { kind: e.kind, method: e.request.method, url: e.request.url, durationMs: e.durationMs, ...whereTimeWent(e) };
      if (isHttpError(e.error)) logger.warn({ ...entry, status: e.error.status, attempts: e.error.attempts, requestId: e.error.requestId }, "ballast response");
      else logger.error({ ...entry, code: describe(e.error), error: text(e.error) }, "ballast request failed");
    }),
    subscribeChannel(CHANNELS.requestRetry, (e) => {
      const entry: Record<string, unknown> = { method: e.request.method, url: e.request.url, attempt: e.attempt, delayMs: e.delay };
      if (e.status !== undefined) entry.status = e.status;
      if (e.error !== undefined) entry.error = describe(e.error);
      logger.warn(entry, "ballast retry");
    }),
    subscribeChannel(CHANNELS.rateLimitWait, (e) => debug({ method: e.request.method, url: e.request.url, waitMs: e.waitMs }, "ballast rate-limit wait")),
    subscribeChannel(CHANNELS.circuitState, (e) => {
      const entry = { key: e.key, from: e.from, to: e.to, retryAt: e.retryAt };
      if (e.to === "open") logger.warn(entry, "ballast circuit opened");
      else logger.info(entry, `ballast circuit ${e.to}`);
    }),
    subscribeChannel(CHANNELS.tokenRefresh, (e) => {
      if (e.outcome === "success") logger.info({ connectionId: e.connectionId, durationMs: e.durationMs }, "ballast token refreshed");
      else logger.error({ connectionId: e.connectionId, durationMs: e.durationMs, code: describe(e.error) }, "ballast token refresh failed");
    }),
    subscribeChannel(CHANNELS.webhookVerified, (e) => debug({ scheme: e.scheme, id: e.id, type: e.type, duplicate: e.duplicate }, "ballast webhook stored")),
    subscribeChannel(CHANNELS.webhookRejected, (e) => logger.warn({ scheme: e.scheme, reason: e.reason, status: e.status }, "ballast webhook rejected")),
    subscribeChannel(CHANNELS.webhookProcessed, (e) =>
      logger.info({ scheme: e.scheme, id: e.id, type: e.type, attempt: e.attempt, lagMs: e.lagMs, durationMs: e.durationMs }, "ballast webhook processed"),
    ),
    subscribeChannel(CHANNELS.webhookFailed, (e) =>
      logger.warn(
        { scheme: e.scheme, id: e.id, type: e.type, attempt: e.attempt, willRetry: e.willRetry, error: text(e.error) },
        "ballast webhook handler failed",
      ),
    ),
    subscribeChannel(CHANNELS.webhookDead, (e) =>
      logger.error({ scheme: e.scheme, id: e.id, type: e.type, reason: e.reason }, "ballast webhook dead-lettered"),
    ),
  ];
  return () => {
    for (const unsubscribe of subscriptions) unsubscribe();
  };
}
