import { type OAuth2, oauth2 } from "../../oauth/oauth2.js";
import type { TokenStore } from "../../oauth/token-stores/types.js";
import { secretFromEnv } from "../options.js";
import type { ConnectionProfile } from "./store.js";

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** Plain http is allowed only for an authorization server on this machine (development and tests). */
function isLoopbackHttp(profile: ConnectionProfile): boolean {
  const url = profile.issuer ?? profile.endpoints?.token;
  if (url === undefined) return false;
  const u = new URL(url);
  return u.protocol === "http:" && LOOPBACK.has(u.hostname);
}

/** The `oauth2()` client of a connection profile, its tokens in `tokens`. */
export function oauthClient(profile: ConnectionProfile, tokens: TokenStore, env: NodeJS.ProcessEnv = process.env): OAuth2 {
  const secret = profile.clientSecretEnv === undefined ? undefined : secretFromEnv(profile.clientSecretEnv, "--client-secret-env", env);
  return oauth2({
    ...(profile.issuer !== undefined && { issuer: profile.issuer }),
    ...(profile.endpoints !== undefined && { endpoints: profile.endpoints }),
    clientId: profile.clientId,
    ...(secret !== undefined && { clientSecret: secret }),
    scopes: profile.scopes,
    tokenStore: tokens,
    allowInsecureRequests: isLoopbackHttp(profile),
  });
}
