import { bearer } from "../middleware/auth/auth.js";
import { cursor } from "../pagination/cursor.js";
import { type ProviderClient, providerClient } from "./client.js";
import { credential, envOf } from "./credentials.js";
import type { ProviderClientOptions, ProviderProfile } from "./profile.js";
import { slackApiError, slackOkFalse } from "./slack-ok.js";
import { type SlackTier, slackTiers } from "./slack-tiers.js";

export interface SlackOptions extends ProviderClientOptions {
  /** A bot (`xoxb-…`) or user (`xoxp-…`) token. Default: `SLACK_BOT_TOKEN`. */
  token?: string;
  /** Tiers of methods the built-in table does not know (or that changed), e.g. `{ "files.getUploadURLExternal": 4 }`; `false` turns the per-method limits off. */
  tiers?: Record<string, SlackTier> | false;
}

/** Slack cursor paging: `cursor` and `limit` in, `response_metadata.next_cursor` out (empty at the end); items in the list field (`channels`, `members`, `messages`...). */
export function slackList() {
  return cursor<unknown>({
    param: "cursor",
    items: (body: unknown) => {
      if (body === null || typeof body !== "object") return [];
      for (const [key, value] of Object.entries(body)) if (key !== "response_metadata" && Array.isArray(value)) return value;
      return [];
    },
    next: (body: { response_metadata?: { next_cursor?: unknown } }) => {
      const next = body.response_metadata?.next_cursor;
      return typeof next === "string" && next !== "" ? next : undefined;
    },
  });
}

/**
 * Slack Web API: bearer token, `/api/<method>` on `https://slack.com`, `{ ok: false, error }` in a 200
 * turned into an `HttpError` (`apiCode` = `error`), per-method tiers and `chat.postMessage` one a second
 * per channel, each paused by its own `ratelimited` 429 + `Retry-After`, `next_cursor` paging, `slack` webhooks.
 */
export function slackProfile(options: SlackOptions = {}): ProviderProfile {
  const token = credential(options.token, "token", ["SLACK_BOT_TOKEN"], envOf(options));
  const use = [slackOkFalse];
  if (options.tiers !== false) use.unshift(slackTiers({ methods: options.tiers ?? {}, store: options.store, clock: options.clock }));
  return {
    name: "slack",
    baseUrl: "https://slack.com",
    auth: bearer(token),
    apiError: slackApiError,
    pagination: slackList,
    requestIdHeaders: ["x-slack-req-id"],
    webhookScheme: "slack",
    use,
  };
}

/** A ballast `Client` for the Slack Web API. Every `createClient` option applies on top (`baseUrl` for a simulator). */
export function slack(options: SlackOptions = {}): ProviderClient {
  const { token: _t, tiers: _x, ...rest } = options;
  return providerClient(slackProfile(options), rest);
}
