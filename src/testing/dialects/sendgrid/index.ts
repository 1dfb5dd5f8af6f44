import { generateKeyPairSync } from "node:crypto";
import { systemClock } from "../../../clock.js";
import type { Duration } from "../../../util/duration.js";
import type { SimRequest } from "../../types.js";
import { type DeliverWebhookOptions, deliverWebhook, type WebhookDeliveryResult } from "../../webhook-delivery.js";
import { base62Id } from "../ids.js";
import { baseOptions, type Dialect, type DialectBaseOptions, type ProviderSimulator } from "../types.js";
import { sendgridError, sendgridErrorReply } from "./errors.js";
import { sendgridRoutes } from "./routes.js";
import { SendgridState } from "./state.js";

export type { MarketingList, SentMail } from "./state.js";

export interface SendgridSimulatorOptions extends DialectBaseOptions {
  /**
   * The per-endpoint limit advertised in `X-RateLimit-Limit`/`-Remaining`/`-Reset` (epoch seconds), and
   * enforced with 429 `{ errors }` (default 600 per minute); false sends no rate-limit headers.
   */
  rateLimit?: { requests: number; per: Duration } | false;
}

/** One event of SendGrid's event webhook, as posted in its JSON array. */
export interface SendgridEvent {
  email: string;
  timestamp: number;
  event: string;
  sg_event_id: string;
  sg_message_id: string;
  "smtp-id"?: string;
  [field: string]: unknown;
}

export interface SendgridWebhookOptions extends Pick<DeliverWebhookOptions, "timestamp" | "tamper" | "headers" | "signal"> {
  /** Where to POST the events. */
  url: string;
  /** Events to send as they are. */
  events?: SendgridEvent[];
  /** Otherwise: these events (default `processed`, `delivered`) for every recipient of a sent mail. */
  kinds?: string[];
  /** The `X-Message-Id` of the mail (default: the latest one sent). */
  messageId?: string;
}

export interface SendgridSimulator extends ProviderSimulator {
  readonly provider: "sendgrid";
  /** The event webhook's verification key, base64 DER as the SendGrid console shows it: give it to your receiver. */
  readonly webhookPublicKey: string;
  /** Sent mail and marketing lists. */
  readonly state: SendgridState;
  /** Signs a batch of events with the simulator's private key, as SendGrid does, and POSTs it to `url`. */
  deliverWebhook(options: SendgridWebhookOptions): Promise<WebhookDeliveryResult>;
}

const KEY = /^SG\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

function checkKey(req: SimRequest) {
  const header = req.headers.authorization;
  if (typeof header !== "string" || !/^bearer /i.test(header)) return sendgridError(401, [{ field: null, message: "authorization required" }]);
  if (!KEY.test(header.slice(7).trim()))
    return sendgridError(401, [{ field: null, message: "The provided authorization grant is invalid, expired, or revoked" }]);
  return undefined;
}

/** SendGrid v3: mail send, marketing lists, `{ errors }`, `X-RateLimit-*` per endpoint, signed event webhooks (ECDSA P-256). */
export const sendgridDialect: Dialect<SendgridSimulatorOptions, SendgridSimulator> = async (options, start) => {
  const clock = options.clock ?? systemClock;
  const state = new SendgridState();
  const sim = await start({
    ...baseOptions(options),
    notFound: () => sendgridError(404, [{ field: null, message: "resource not found" }]),
    errorReply: sendgridErrorReply,
  });
  sim.use(checkKey);
  const limit = options.rateLimit ?? { requests: 600, per: "1m" };
  if (limit !== false) sim.rateLimit({ ...limit, headers: "x-ratelimit-epoch", key: (req) => `${req.method} ${req.path}` });
  sendgridRoutes(sim, state, () => clock.now());

  const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const privatePem = privateKey.export({ format: "pem", type: "pkcs8" }).toString();
  const reset = sim.reset.bind(sim);

  return Object.assign(sim, {
    provider: "sendgrid" as const,
    webhookPublicKey: publicKey.export({ format: "der", type: "spki" }).toString("base64"),
    state,
    reset() {
      reset();
      state.clear();
    },
    deliverWebhook(o: SendgridWebhookOptions): Promise<WebhookDeliveryResult> {
      let events = o.events;
      if (events === undefined) {
        const mail = o.messageId === undefined ? state.mail.at(-1) : state.mail.find((m) => m.messageId === o.messageId);
        if (!mail) throw new Error(o.messageId === undefined ? "no mail has been sent yet: pass events" : `no mail ${o.messageId}`);
        const seconds = Math.floor(clock.now() / 1000);
        events = mail.recipients.flatMap((email) =>
          (o.kinds ?? ["processed", "delivered"]).map((event) => ({
            email,
            timestamp: seconds,
            event,
            "smtp-id": `<${mail.messageId}@ismtpd0001p1las1.sendgrid.net>`,
            sg_event_id: base62Id("", 22),
            sg_message_id: `${mail.messageId}.filterdrecv-1-0-0`,
          })),
        );
      }
      return deliverWebhook({
        url: o.url,
        scheme: "sendgrid",
        secret: privatePem,
        payload: `${JSON.stringify(events)}\r\n`,
        clock,
        ...(o.timestamp !== undefined && { timestamp: o.timestamp }),
        ...(o.tamper !== undefined && { tamper: o.tamper }),
        ...(o.headers !== undefined && { headers: o.headers }),
        ...(o.signal !== undefined && { signal: o.signal }),
      });
    },
  });
};
