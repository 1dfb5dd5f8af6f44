import type { OAuthEndpoints } from "../../oauth/protocol.js";

/** Where a provider's OAuth server is: an issuer with discovery, or fixed endpoints. */
export interface OAuthServer {
  issuer?: string | undefined;
  endpoints?: OAuthEndpoints | undefined;
  scopes?: string[] | undefined;
}

/** Providers `ballast oauth login PROVIDER` knows without `--issuer`. */
export const OAUTH_PROVIDERS: Readonly<Record<string, OAuthServer>> = {
  github: {
    endpoints: {
      issuer: "https://github.com/login/oauth",
      authorization: "https://github.com/login/oauth/authorize",
      token: "https://github.com/login/oauth/access_token",
      deviceAuthorization: "https://github.com/login/device/code",
    },
  },
  google: { issuer: "https://accounts.google.com", scopes: ["openid", "email"] },
  gitlab: { issuer: "https://gitlab.com", scopes: ["openid", "read_api"] },
  slack: {
    endpoints: {
      issuer: "https://slack.com",
      authorization: "https://slack.com/oauth/v2/authorize",
      token: "https://slack.com/api/oauth.v2.access",
    },
  },
};
