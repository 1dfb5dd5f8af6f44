/**
 * The shared setup of the OAuth suites: a real provider and a protected API
 * started before the file's tests and closed after them, plus the options of
 * the provider's confidential `web` client (authorization code + PKCE).
 */
import { afterAll, beforeAll } from "vitest";
import type { OAuth2Options } from "../../../src/oauth/index.js";
import type { Transport } from "../../../src/types.js";
import { startApi, type TestApi } from "./api.js";
import { startProvider, type TestProvider, WEB_REDIRECT } from "./provider.js";

export interface OAuthServers {
  op: TestProvider;
  api: TestApi;
}

/** Starts the provider (and the API) for this file; `transport` is closed with them. */
export function useOAuthServers(transport?: Transport): OAuthServers {
  const servers = {} as OAuthServers;
  beforeAll(async () => {
    servers.op = await startProvider();
    servers.api = await startApi(servers.op);
  });
  afterAll(async () => {
    await transport?.close?.();
    await servers.api?.close();
    await servers.op?.close();
  });
  return servers;
}

/** The `web` client of the test provider, for `oauth2({ ...webClientOptions(op), ... })`. */
export function webClientOptions(op: TestProvider) {
  return {
    issuer: op.issuer,
    clientId: "web",
    clientSecret: op.secrets.web,
    redirectUri: WEB_REDIRECT,
    scopes: ["openid", "offline_access"],
    allowInsecureRequests: true,
  } satisfies Partial<OAuth2Options>;
}
