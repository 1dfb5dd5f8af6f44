/** The examples `npm run example -- NAME` runs, each against its simulator: name → what it shows. */
export const EXAMPLES: Record<string, string> = {
  "stripe-payment": "Create a Stripe payment intent (declines, idempotent retries, paging)",
  "sendgrid-email": "Send an email with SendGrid (202 + X-Message-Id, validation errors)",
  "twilio-sms": "Send an SMS and an MMS with Twilio, list the messages",
  "github-issues": "List every issue of a GitHub repository, page by page, within its rate limit",
  "stripe-webhook-sqlite": "Handle Stripe webhooks into the SQLite inbox, each processed once",
  "webhooks-send-standard": "Send Standard Webhooks and receive them, duplicates acknowledged once",
  "oauth-client-credentials": "A client credentials token, cached and sent on every call (local OAuth server)",
  "oauth-cli-login": "Command-line login with a loopback redirect, then a refresh (local OAuth server)",
};
