import { ConfigError } from "../../errors.js";
import type { WebhookScheme } from "../types.js";
import { githubScheme } from "./github.js";
import { sendgridScheme } from "./sendgrid.js";
import { shopifyScheme } from "./shopify.js";
import { slackScheme } from "./slack.js";
import { standardScheme } from "./standard.js";
import { stripeScheme } from "./stripe.js";
import { twilioScheme } from "./twilio.js";

/** Built-in schemes by name. `hmac` needs options: use `hmacScheme({...})`. */
export const schemes = {
  stripe: stripeScheme,
  github: githubScheme,
  slack: slackScheme,
  twilio: twilioScheme,
  shopify: shopifyScheme,
  standard: standardScheme,
  sendgrid: sendgridScheme,
} as const satisfies Record<string, WebhookScheme>;

export type SchemeName = keyof typeof schemes;

/** A scheme by name, or a scheme object as given. */
export function resolveScheme(scheme: SchemeName | WebhookScheme, option = "scheme"): WebhookScheme {
  if (typeof scheme === "object" && scheme !== null && typeof scheme.verify === "function") return scheme;
  if (typeof scheme === "string" && Object.hasOwn(schemes, scheme)) return schemes[scheme as SchemeName];
  const hint = (scheme as unknown) === "hmac" ? ' ("hmac" needs options: pass hmacScheme({ header, ... }))' : "";
  throw new ConfigError(option, `must be one of ${Object.keys(schemes).join(", ")} or a scheme object${hint}; got ${JSON.stringify(scheme)}`);
}
