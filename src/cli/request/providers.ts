import type { Client } from "../../client/create-client.js";
import type { PaginationStrategy } from "../../pagination/types.js";
import { providerClient } from "../../providers/client.js";
import type { ProviderClientOptions, ProviderProfile } from "../../providers/profile.js";
import { sendgridProfile } from "../../providers/sendgrid.js";
import { stripeProfile } from "../../providers/stripe.js";
import { twilioProfile } from "../../providers/twilio.js";
import { usageError } from "../exit.js";
import { authFromFlags, type CallCounters, type ClientFlags, cliPolicies } from "./client.js";
import { PROVIDER_NAMES } from "./provider-names.js";

/** The `ballast/providers` profile of each provider `ballast request PROVIDER ...` knows (credentials from the usual environment variables). */
const PROFILES: Readonly<Record<(typeof PROVIDER_NAMES)[number], (options: ProviderClientOptions) => ProviderProfile>> = {
  stripe: stripeProfile,
  twilio: twilioProfile,
  sendgrid: sendgridProfile,
};

export interface ProviderCall {
  client: Client;
  /** The provider's own pagination, used by `--all` unless `--paginate` names another. */
  pagination: (() => PaginationStrategy) | undefined;
  /** The provider wants an idempotency key on every POST (Stripe): the CLI sends one unless `--idempotency-key` gives it. */
  idempotentPosts: boolean;
}

/**
 * The provider's client: its auth, headers, error reading, retry signals and
 * documented rate limit, with the CLI's counters hooked in; `--base-url`
 * points it elsewhere (a simulator), `--bearer-env` / `--api-key-env` replace
 * its credentials.
 */
export function providerCall(name: string, flags: ClientFlags, counters: CallCounters): ProviderCall {
  const make = PROFILES[name.toLowerCase() as keyof typeof PROFILES];
  if (make === undefined) throw usageError(`unknown provider ${JSON.stringify(name)}; known: ${PROVIDER_NAMES.join(", ")}`);
  const auth = authFromFlags(flags);
  const profile = make({});
  const defaults = cliPolicies(flags, counters);
  const client = providerClient(profile, {
    ...(flags.baseUrl !== undefined && { baseUrl: flags.baseUrl }),
    ...(auth && { auth }),
    retry: { ...profile.retry, ...defaults.retry },
    rateLimit: profile.rateLimit && flags.rate === undefined ? profile.rateLimit : defaults.rateLimit,
    timeout: defaults.timeout,
  });
  return { client: client as unknown as Client, pagination: profile.pagination, idempotentPosts: profile.idempotencyKey === "auto" };
}
