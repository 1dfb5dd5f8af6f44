// Public API of `ballast/providers`: ready clients for well-known APIs, and what you need to add your own.
export { type ProviderClient, type ProviderPagesOptions, type ProviderPaginateOptions, providerClient, providerClientOptions } from "./client.js";
export { credential } from "./credentials.js";
export { GITHUB_API_VERSION, type GithubOptions, github, githubProfile } from "./github.js";
export { type GithubAppAuth, type GithubAppCredentials, githubAppAuth, type InstallationToken } from "./github-app.js";
export type { ApiErrorInfo, ApiErrorReader, Env, ProviderClientOptions, ProviderProfile } from "./profile.js";
export { type SendgridOptions, sendgrid, sendgridProfile } from "./sendgrid.js";
export { SHOPIFY_API_VERSION, type ShopifyOptions, shopify, shopifyCallLimit, shopifyProfile } from "./shopify.js";
export { type SlackOptions, slack, slackProfile } from "./slack.js";
export { SLACK_METHOD_TIERS, SLACK_TIERS, type SlackTier, type SlackTierOptions, slackTiers } from "./slack-tiers.js";
export { STRIPE_API_VERSION, type StripeOptions, stripe, stripeProfile } from "./stripe.js";
export { type TwilioClient, type TwilioOptions, twilio, twilioProfile } from "./twilio.js";
