/** Providers `ballast request PROVIDER ...` knows (a `ballast/providers` profile each). */
export const PROVIDER_NAMES = ["stripe", "twilio", "sendgrid"] as const;
