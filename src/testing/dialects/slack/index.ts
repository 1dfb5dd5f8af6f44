import { systemClock } from "../../../clock.js";
import { ConfigError } from "../../../errors.js";
import { SLACK_METHOD_TIERS, SLACK_TIERS } from "../../../providers/slack-tiers.js";
import type { ApiSimulator } from "../../simulator.js";
import type { Reply, SimRequest } from "../../types.js";
import { deliverWebhook, type WebhookDeliveryResult } from "../../webhook-delivery.js";
import { extendSimulator } from "../extend.js";
import { bearerToken, positiveInt, randomId, requestParams } from "../http.js";
import { baseOptions, type Dialect, type DialectBaseOptions, type ProviderSimulator } from "../types.js";
import { WindowCounter } from "./tiers.js";
import { BOT, type SlackChannel, type SlackMessage, TEAM, Workspace } from "./workspace.js";

export type { SlackChannel, SlackMessage } from "./workspace.js";

export interface SlackSimulatorOptions extends DialectBaseOptions {
  /**
   * Enforce Slack's per-method tiers per token (`ratelimited` 429 + `Retry-After`):
   * `true` for the documented ones, or requests per minute by method. Default off
   * (use `ratelimit()` to answer specific calls with 429).
   */
  tiers?: boolean | Record<string, number>;
}

export interface SlackRateLimitOptions {
  /** Only this method (default: any). */
  method?: string;
  /** Seconds in `Retry-After` (default 1). */
  retryAfter?: number;
  /** How many calls get the answer (default 1). */
  times?: number;
}

export interface SlackWebhookOptions {
  /** Your Events API request URL. */
  url: string;
  /** The app's signing secret. */
  signingSecret: string;
  /** `"url_verification"` sends the challenge handshake; default an `event_callback`. */
  type?: "url_verification" | "event_callback";
  /** The inner event of an `event_callback` (default: a `message` in #general). */
  event?: Record<string, unknown>;
  /** Default a random `Ev…` id. */
  eventId?: string;
  /** The challenge of a `url_verification` (default random). */
  challenge?: string;
  /** Signing time: a `Date` or milliseconds (not Slack's seconds); set it in the past to test the replay window. */
  timestamp?: number | Date;
  tamper?: boolean;
  headers?: Record<string, string>;
}

/** What a test controls in the Slack dialect. */
export interface SlackControls {
  /** Channels, seeded with general, random, engineering, support and announcements. */
  readonly channels: readonly SlackChannel[];
  addChannel(name: string, options?: { purpose?: string; private?: boolean; archived?: boolean }): SlackChannel;
  /** Messages posted to a channel (by id or name), oldest first. */
  messages(channel: string): readonly SlackMessage[];
  /** Tokens answered with `token_revoked`. */
  revoke(token: string): void;
  /** The next call(s) get `429 { ok: false, error: "ratelimited" }` with `Retry-After`. */
  ratelimit(options?: SlackRateLimitOptions): void;
  /** Signs an Events API delivery with the signing secret (`X-Slack-Signature`) and POSTs it. */
  deliverWebhook(options: SlackWebhookOptions): Promise<WebhookDeliveryResult>;
}

/** `createApiSimulator({ provider: "slack" })`: `reset()` also goes back to the seeded channels and forgets messages, revocations, windows and armed limits. */
export interface SlackSimulator extends ProviderSimulator, SlackControls {
  readonly provider: "slack";
}

/** Bot, user, app-level and rotating tokens. */
const TOKEN_SHAPE = /^(?:xox[bpae]|xoxe\.xox[bp]|xapp)-[A-Za-z0-9-]{6,}$/;

function ok(body: Record<string, unknown>, headers?: Record<string, string>): Reply {
  return { headers: headers ?? {}, json: { ok: true, ...body } };
}

/** Slack's errors: HTTP 200 with `ok: false` (the status is for transport failures and 429 only). */
function fail(error: string, extra?: Record<string, unknown>, status = 200, headers?: Record<string, string>): Reply {
  return { status, headers: headers ?? {}, json: { ok: false, error, ...extra } };
}

function encodeCursor(index: number): string {
  return Buffer.from(`team:${index}`).toString("base64");
}

function decodeCursor(cursor: string): number | undefined {
  const m = /^team:(\d+)$/.exec(Buffer.from(cursor, "base64").toString("utf8"));
  return m ? Number(m[1]) : undefined;
}

/** A status injected without a body, as Slack would send it: `ratelimited` for 429, else a bare `ok: false`. */
export function slackErrorReply(status: number): Reply {
  return status === 429
    ? fail("ratelimited", undefined, 429, { "retry-after": "1" })
    : fail(status >= 500 ? "internal_error" : "request_failed", undefined, status);
}

/**
 * The Slack Web API: `POST /api/<method>` with JSON or form bodies, tokens in
 * `Authorization` (or a `token` parameter), `ok: false` errors in HTTP 200s,
 * cursor paging in `response_metadata.next_cursor`, tiers answered with
 * `ratelimited` 429 + `Retry-After`, and signed Events API deliveries.
 */
export const slackDialect: Dialect<SlackSimulatorOptions, SlackSimulator> = async (options, start) => {
  const sim = await start({ ...baseOptions(options), notFound: () => fail("unknown_method", undefined, 404), errorReply: slackErrorReply });
  const { controls, resetState } = slackRoutes(sim, options);
  return extendSimulator(sim, "slack", controls, resetState);
};

function slackRoutes(sim: ApiSimulator, options: SlackSimulatorOptions): { controls: SlackControls; resetState: () => void } {
  const clock = options.clock ?? systemClock;
  const now = () => clock.now();
  const workspace = new Workspace(now);
  const windows = new WindowCounter(now);
  const revoked = new Set<string>();
  const tierLimits: Record<string, number> | undefined =
    options.tiers === true ? Object.fromEntries(Object.entries(SLACK_METHOD_TIERS).map(([m, t]) => [m, SLACK_TIERS[t]])) : options.tiers || undefined;
  let armed: { method: string | undefined; retryAfter: number; times: number } = { method: undefined, retryAfter: 1, times: 0 };

  type Handler = (params: Record<string, unknown>, token: string, req: SimRequest) => Reply;

  function method(name: string, handler: Handler, methods: "POST" | "GET+POST" = "POST"): void {
    const run = (req: SimRequest): Reply => {
      const headers = { "x-slack-req-id": randomId(32, "0123456789abcdef"), "x-oauth-scopes": "chat:write,channels:read", "x-accepted-oauth-scopes": "" };
      const reply = answer(name, handler, req);
      return { ...reply, headers: { ...headers, ...reply.headers } };
    };
    sim.route("POST", `/api/${name}`, run);
    if (methods === "GET+POST") sim.route("GET", `/api/${name}`, run);
  }

  function answer(name: string, handler: Handler, req: SimRequest): Reply {
    const params = requestParams(req);
    const token = bearerToken(req) ?? (typeof params.token === "string" ? params.token : undefined);
    if (token === undefined || token === "") return fail("not_authed");
    if (!TOKEN_SHAPE.test(token)) return fail("invalid_auth");
    if (revoked.has(token)) return fail("token_revoked");
    if (armed.times > 0 && (armed.method === undefined || armed.method === name)) {
      armed.times--;
      return fail("ratelimited", undefined, 429, { "retry-after": String(armed.retryAfter) });
    }
    const wait = tierWait(name, token, params);
    if (wait !== undefined) return fail("ratelimited", undefined, 429, { "retry-after": String(Math.max(1, Math.ceil(wait / 1000))) });
    return handler(params, token, req);
  }

  function tierWait(name: string, token: string, params: Record<string, unknown>): number | undefined {
    if (!tierLimits) return undefined;
    // chat.postMessage is limited per channel, about one message per second.
    if (name === "chat.postMessage") return windows.take(`${token} ${name} ${String(params.channel)}`, tierLimits[name] ?? 1, 1000);
    return windows.take(`${token} ${name}`, tierLimits[name] ?? SLACK_TIERS[3], 60_000);
  }

  method("auth.test", () =>
    ok({
      url: `https://${TEAM.domain}.slack.com/`,
      team: TEAM.name,
      user: BOT.name,
      team_id: TEAM.id,
      user_id: BOT.userId,
      bot_id: BOT.botId,
      is_enterprise_install: false,
    }),
  );

  method("chat.postMessage", (params) => {
    const ref = params.channel;
    if (typeof ref !== "string" || ref === "") return fail("channel_not_found");
    const channel = workspace.find(ref);
    if (!channel) return fail("channel_not_found");
    if (channel.is_archived) return fail("is_archived");
    const blocks = typeof params.blocks === "string" ? safeJson(params.blocks) : params.blocks;
    const text = typeof params.text === "string" ? params.text : "";
    if (text === "" && !Array.isArray(blocks) && params.attachments === undefined) return fail("no_text");
    if (text.length > 40_000) return fail("msg_too_long");
    const message = workspace.post(channel, {
      text,
      ...(Array.isArray(blocks) && { blocks }),
      ...(typeof params.thread_ts === "string" && { thread_ts: params.thread_ts }),
    });
    return ok({ channel: channel.id, ts: message.ts, message });
  });

  method(
    "conversations.list",
    (params) => {
      const limit = positiveInt(params.limit, 100);
      if (limit === undefined) return fail("invalid_limit");
      const size = Math.min(limit, 1000);
      const cursor = typeof params.cursor === "string" && params.cursor !== "" ? decodeCursor(params.cursor) : 0;
      if (cursor === undefined) return fail("invalid_cursor");
      const types = new Set(String(params.types ?? "public_channel").split(","));
      const excludeArchived = params.exclude_archived === true || params.exclude_archived === "true" || params.exclude_archived === "1";
      const matching = workspace.channels.filter(
        (c) => ((c.is_private && types.has("private_channel")) || (!c.is_private && types.has("public_channel"))) && !(excludeArchived && c.is_archived),
      );
      const end = Math.min(cursor + size, matching.length);
      return ok({ channels: matching.slice(cursor, end), response_metadata: { next_cursor: end < matching.length ? encodeCursor(end) : "" } });
    },
    "GET+POST",
  );

  // Any other method: Slack answers 200 with unknown_method.
  sim.route("*", "/api/:method", (req) => fail("unknown_method", { req_method: req.params.method }));

  const controls: SlackControls = {
    get channels() {
      return workspace.channels;
    },
    addChannel: (name, o) => workspace.addChannel(name, o),
    messages(ref) {
      const channel = workspace.find(ref);
      return channel ? workspace.messages(channel.id) : [];
    },
    revoke(token) {
      revoked.add(token);
    },
    ratelimit(o = {}) {
      const times = o.times ?? 1;
      if (!Number.isInteger(times) || times < 1) throw new ConfigError("ratelimit.times", `must be a positive integer; got ${times}`);
      armed = { method: o.method, retryAfter: o.retryAfter ?? 1, times };
    },
    deliverWebhook(o) {
      const type = o.type ?? "event_callback";
      const general = workspace.find("general");
      const payload =
        type === "url_verification"
          ? {
              token: "Jhj5dZrVaK7ZwHHjRyZWjbDl",
              challenge: o.challenge ?? randomId(48, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"),
              type,
            }
          : {
              token: "Jhj5dZrVaK7ZwHHjRyZWjbDl",
              team_id: TEAM.id,
              api_app_id: BOT.appId,
              event: o.event ?? {
                type: "message",
                channel: general?.id,
                user: "U0BALLASTADM",
                text: "hello",
                ts: `${Math.floor(now() / 1000)}.000100`,
                channel_type: "channel",
              },
              type,
              event_id: o.eventId ?? `Ev${randomId(9)}`,
              event_time: Math.floor(now() / 1000),
            };
      return deliverWebhook({
        url: o.url,
        scheme: "slack",
        secret: o.signingSecret,
        payload,
        ...(o.timestamp !== undefined && { timestamp: o.timestamp }),
        ...(o.tamper !== undefined && { tamper: o.tamper }),
        headers: { "user-agent": "Slackbot 1.0 (+https://api.slack.com/robots)", ...o.headers },
        clock,
      });
    },
  };
  function resetState(): void {
    workspace.clear();
    windows.clear();
    revoked.clear();
    armed = { method: undefined, retryAfter: 1, times: 0 };
  }
  return { controls, resetState };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
