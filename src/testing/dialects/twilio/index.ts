import { randomBytes } from "node:crypto";
import { systemClock } from "../../../clock.js";
import type { SimRequest } from "../../types.js";
import { type DeliverWebhookOptions, deliverWebhook, type WebhookDeliveryResult } from "../../webhook-delivery.js";
import { basicCredentials } from "../credentials.js";
import { hexSid } from "../ids.js";
import { baseOptions, type Dialect, type DialectBaseOptions, type ProviderSimulator } from "../types.js";
import { twilioError, twilioErrorReply } from "./errors.js";
import { twilioRoutes } from "./routes.js";
import { type MessageStatus, rfc2822, TwilioState } from "./state.js";

export type { Message, MessageStatus, StoredMessage } from "./state.js";

export interface TwilioSimulatorOptions extends DialectBaseOptions {
  /** The account the simulator plays (default: a random `AC...`). Any account SID of the usual shape is served. */
  accountSid?: string;
  /**
   * The auth token status callbacks are signed with (default: random, 32 hex digits). When given, requests
   * authenticating with an account SID must use it; otherwise any token of the usual shape is accepted.
   */
  authToken?: string;
}

export interface TwilioStatusCallbackOptions extends Pick<DeliverWebhookOptions, "tamper" | "headers" | "signal"> {
  /** The message whose status changes (default: the latest one). */
  messageSid?: string;
  /** The new status (default `delivered`); the message resource takes it too. */
  status?: MessageStatus;
  /** Where to POST (default: the message's `StatusCallback`). */
  url?: string;
  /** Default `sim.authToken`. */
  authToken?: string;
}

export interface TwilioSimulator extends ProviderSimulator {
  readonly provider: "twilio";
  readonly accountSid: string;
  /** Status callbacks are signed with it (`X-Twilio-Signature`): give it to your receiver. */
  readonly authToken: string;
  readonly state: TwilioState;
  /** Moves a message to a new status and POSTs the status callback, signed as Twilio signs it. */
  deliverWebhook(options?: TwilioStatusCallbackOptions): Promise<WebhookDeliveryResult>;
}

const ACCOUNT = /^AC[0-9a-f]{32}$/i;
const API_KEY = /^SK[0-9a-f]{32}$/i;

/** Twilio: messages under `/2010-04-01/Accounts/:AccountSid/`, basic auth, form bodies, `next_page_uri` paging, signed status callbacks. */
export const twilioDialect: Dialect<TwilioSimulatorOptions, TwilioSimulator> = async (options, start) => {
  const clock = options.clock ?? systemClock;
  const accountSid = options.accountSid ?? hexSid("AC");
  const authToken = options.authToken ?? randomBytes(16).toString("hex");
  const pinned = options.authToken !== undefined;
  const state = new TwilioState(() => clock.now());

  const sim = await start({
    ...baseOptions(options),
    responseHeaders: () => ({ "twilio-request-id": hexSid("RQ") }),
    notFound: (req) => twilioError(404, 20404, `The requested resource ${req.path} was not found`),
    errorReply: twilioErrorReply,
  });

  const unauthorized = twilioError(401, 20003, "Authenticate", { "www-authenticate": 'Basic realm="Twilio API"' });
  sim.use((req: SimRequest) => {
    const credentials = basicCredentials(req);
    if (!credentials || credentials.password === "") return unauthorized;
    const { username, password } = credentials;
    const account = /^\/2010-04-01\/Accounts\/([^/]+)/.exec(req.path)?.[1];
    if (ACCOUNT.test(username)) {
      if (!/^[0-9a-f]{32}$/i.test(password) || (pinned && password !== authToken)) return unauthorized;
      if (account !== undefined && account !== username) return twilioError(403, 20003, "Authenticate");
      return undefined;
    }
    if (API_KEY.test(username) && /^[A-Za-z0-9]{32}$/.test(password)) return undefined;
    return unauthorized;
  });
  twilioRoutes(sim, state);

  const reset = sim.reset.bind(sim);
  return Object.assign(sim, {
    provider: "twilio" as const,
    accountSid,
    authToken,
    state,
    reset() {
      reset();
      state.clear();
    },
    deliverWebhook(o: TwilioStatusCallbackOptions = {}): Promise<WebhookDeliveryResult> {
      const stored = o.messageSid === undefined ? [...state.messages.values()].at(-1) : state.messages.get(o.messageSid);
      if (!stored) throw new Error(o.messageSid === undefined ? "no message has been sent yet" : `no message ${o.messageSid}`);
      const url = o.url ?? stored.statusCallback;
      if (url === undefined) throw new Error(`message ${stored.resource.sid} has no StatusCallback: pass url`);
      const status = o.status ?? "delivered";
      const message = stored.resource;
      message.status = status;
      message.date_updated = rfc2822(clock.now());
      if (status === "sent" || status === "delivered") message.date_sent ??= message.date_updated;
      const fields = new URLSearchParams({
        AccountSid: message.account_sid,
        ApiVersion: "2010-04-01",
        From: message.from ?? "",
        MessageSid: message.sid,
        MessageStatus: status,
        SmsSid: message.sid,
        SmsStatus: status,
        To: message.to,
      });
      if (status === "failed" || status === "undelivered") fields.set("ErrorCode", "30003");
      return deliverWebhook({
        url,
        scheme: "twilio",
        secret: o.authToken ?? authToken,
        payload: fields.toString(),
        headers: { "i-twilio-idempotency-token": randomBytes(16).toString("hex"), ...o.headers },
        ...(o.tamper !== undefined && { tamper: o.tamper }),
        ...(o.signal !== undefined && { signal: o.signal }),
      });
    },
  });
};
