import { ConfigError } from "../../errors.js";
import { githubDialect } from "./github/index.js";
import { sendgridDialect } from "./sendgrid/index.js";
import { shopifyDialect } from "./shopify/index.js";
import { slackDialect } from "./slack/index.js";
import { stripeDialect } from "./stripe/index.js";
import { twilioDialect } from "./twilio/index.js";
import type { StartSimulator } from "./types.js";

/** The provider dialects `createApiSimulator({ provider })` speaks, one module each. */
export const dialects = {
  stripe: stripeDialect,
  github: githubDialect,
  slack: slackDialect,
  shopify: shopifyDialect,
  twilio: twilioDialect,
  sendgrid: sendgridDialect,
} as const;

export type ProviderName = keyof typeof dialects;

/** The options of one provider's simulator: `provider` plus what its dialect takes. */
export type DialectOptions<P extends ProviderName> = { provider: P } & Parameters<(typeof dialects)[P]>[0];

/** The simulator a provider's dialect returns. */
export type DialectSimulator<P extends ProviderName> = Awaited<ReturnType<(typeof dialects)[P]>>;

/** Starts the simulator of `options.provider`. */
export function startDialect(options: { provider: string }, start: StartSimulator): Promise<unknown> {
  const { provider } = options;
  if (typeof provider !== "string" || !Object.hasOwn(dialects, provider)) {
    throw new ConfigError("provider", `must be one of ${Object.keys(dialects).join(", ")}; got ${JSON.stringify(provider)}`);
  }
  const dialect = dialects[provider as ProviderName] as (o: unknown, s: StartSimulator) => Promise<unknown>;
  return dialect(options, start);
}
