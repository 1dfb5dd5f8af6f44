import type { Clock } from "../clock.js";
import { trusted } from "../compose.js";
import { ConfigError } from "../errors.js";
import { defaultRateLimitKey } from "../middleware/rate-limit/key.js";
import { rateLimit } from "../middleware/rate-limit/rate-limit.js";
import type { Store } from "../stores/types.js";
import type { ApiRequest, Middleware } from "../types.js";

/** Slack's Web API tiers: calls per minute, per method and workspace. */
export const SLACK_TIERS = { 1: 1, 2: 20, 3: 50, 4: 100 } as const;
export type SlackTier = keyof typeof SLACK_TIERS;

/** Tiers of common methods (Slack's method pages); any other method counts as tier 3. */
export const SLACK_METHOD_TIERS: Readonly<Record<string, SlackTier>> = {
  "auth.test": 4,
  "chat.update": 3,
  "chat.delete": 3,
  "chat.getPermalink": 4,
  "conversations.create": 2,
  "conversations.history": 3,
  "conversations.info": 3,
  "conversations.invite": 3,
  "conversations.join": 3,
  "conversations.list": 2,
  "conversations.members": 4,
  "conversations.replies": 3,
  "reactions.add": 3,
  "users.info": 4,
  "users.list": 2,
  "users.lookupByEmail": 3,
};

export interface SlackTierOptions {
  /** Tiers by method, over {@link SLACK_METHOD_TIERS}. */
  methods?: Record<string, SlackTier>;
  store?: Store | undefined;
  clock?: Clock | undefined;
}

/** `chat.postMessage`'s channel, from a JSON or form body (the limit is per channel). */
function channelOf(req: ApiRequest): string {
  const body = req.body;
  if (typeof body !== "string") return "";
  if (body.startsWith("{")) {
    try {
      const channel = (JSON.parse(body) as { channel?: unknown }).channel;
      return typeof channel === "string" ? channel : "";
    } catch {
      return "";
    }
  }
  return new URLSearchParams(body).get("channel") ?? "";
}

function methodOf(req: ApiRequest): string {
  const path = req.path.split("?", 1)[0] ?? "";
  return path.slice(path.lastIndexOf("/") + 1);
}

/**
 * Spaces calls per Slack method evenly by its tier (tier 2: one every 3 s),
 * which no server-side window can refuse, and `chat.postMessage` at one a
 * second per channel. Each
 * method of each token (it runs after auth) is its own quota: a `ratelimited` 429 + `Retry-After` pauses that
 * method only, in every process sharing `store`.
 */
export function slackTiers(options: SlackTierOptions = {}): Middleware {
  const tiers = { ...SLACK_METHOD_TIERS, ...options.methods };
  for (const [method, tier] of Object.entries(tiers)) {
    if (!Object.hasOwn(SLACK_TIERS, tier)) throw new ConfigError(`tiers.${method}`, `must be a Slack tier 1-4; got ${String(tier)}`);
  }
  const shared = { ...(options.store && { store: options.store }), ...(options.clock && { clock: options.clock }) };
  const byTier = new Map<SlackTier, Middleware>();
  for (const tier of [1, 2, 3, 4] as const) {
    const perMinute = SLACK_TIERS[tier];
    byTier.set(
      tier,
      rateLimit({ ...shared, limits: [{ requests: perMinute, per: "1m" }], key: (req) => `${defaultRateLimitKey(req)} slack ${methodOf(req)}` }),
    );
  }
  const postMessage = rateLimit({
    ...shared,
    limits: [{ requests: 1, per: "1s" }],
    key: (req) => `${defaultRateLimitKey(req)} slack chat.postMessage ${channelOf(req)}`,
  });
  return trusted(function slackTierLimit(req, next) {
    const method = methodOf(req);
    const limiter = method === "chat.postMessage" ? postMessage : (byTier.get(tiers[method] ?? 3) as Middleware);
    return limiter(req, next);
  });
}
