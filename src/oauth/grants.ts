import * as oauth from "oauth4webapi";
import { ConfigError } from "../errors.js";
import { ReauthorizationRequiredError } from "./errors.js";
import type { Protocol } from "./protocol.js";
import type { RenewContext } from "./token-manager.js";
import { type TokenSet, toTokenSet } from "./token-set.js";

/** Extra token request parameters (`resource`, `audience`, ...). */
export type ExtraParams = Record<string, string>;

function scopeParams(scopes: string[] | undefined, extra: ExtraParams | undefined): Record<string, string> {
  const params: Record<string, string> = { ...extra };
  if (scopes !== undefined && scopes.length > 0) params.scope = scopes.join(" ");
  return params;
}

/** The token endpoint every server has (discovery guarantees it; explicit endpoints require it). */
function tokenEndpoint(as: oauth.AuthorizationServer): string {
  return as.token_endpoint as string;
}

/** One client credentials grant (RFC 6749 §4.4). */
export async function requestClientCredentials(
  p: Protocol,
  scopes: string[] | undefined,
  extra: ExtraParams | undefined,
  signal?: AbortSignal,
): Promise<TokenSet> {
  const as = await p.server();
  return p.callTokenEndpoint(
    tokenEndpoint(as),
    async (bounded) => {
      const res = await oauth.clientCredentialsGrantRequest(as, p.client, await p.clientAuth(), scopeParams(scopes, extra), p.http(bounded));
      return toTokenSet(await oauth.processClientCredentialsResponse(as, p.client, res), p.clock.now());
    },
    signal,
  );
}

/** One refresh token grant (RFC 6749 §6); keeps the old refresh token when the server does not rotate it. */
export async function requestRefresh(p: Protocol, refreshToken: string, signal?: AbortSignal): Promise<TokenSet> {
  const as = await p.server();
  return p.callTokenEndpoint(
    tokenEndpoint(as),
    async (bounded) => {
      const res = await oauth.refreshTokenGrantRequest(as, p.client, await p.clientAuth(), refreshToken, p.http(bounded));
      return toTokenSet(await oauth.processRefreshTokenResponse(as, p.client, res), p.clock.now(), refreshToken);
    },
    signal,
  );
}

export const JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/** One JWT bearer grant (RFC 7523 §2.1): the assertion is the authorization. */
export async function requestJwtBearer(
  p: Protocol,
  assertion: string,
  scopes: string[] | undefined,
  extra: ExtraParams | undefined,
  signal?: AbortSignal,
): Promise<TokenSet> {
  const as = await p.server();
  return p.callTokenEndpoint(
    tokenEndpoint(as),
    async (bounded) => {
      const res = await oauth.genericTokenEndpointRequest(
        as,
        p.client,
        await p.clientAuth(),
        JWT_BEARER_GRANT,
        { ...scopeParams(scopes, extra), assertion },
        p.http(bounded),
      );
      return toTokenSet(await oauth.processGenericTokenEndpointResponse(as, p.client, res), p.clock.now());
    },
    signal,
  );
}

/** Token revocation (RFC 7009). */
export async function requestRevocation(p: Protocol, token: string, hint: "refresh_token" | "access_token", signal?: AbortSignal): Promise<void> {
  const as = await p.server();
  if (as.revocation_endpoint === undefined)
    throw new ConfigError("endpoints.revocation", "the server has no revocation endpoint (give endpoints.revocation, or it is not supported)");
  await p.call(as.revocation_endpoint, async () => {
    const res = await oauth.revocationRequest(as, p.client, await p.clientAuth(), token, {
      ...p.http(signal),
      additionalParameters: { token_type_hint: hint },
    });
    await oauth.processRevocationResponse(res);
  });
}

/** The `TokenManager` renewal for oauth2(): client credentials again, or the refresh token grant. */
export function renewWith(p: Protocol, clientCredentialsExtra: () => ExtraParams | undefined) {
  return async (connectionId: string, ctx: RenewContext, signal: AbortSignal): Promise<TokenSet> => {
    if (ctx.grant === "client_credentials") return requestClientCredentials(p, ctx.scopes, clientCredentialsExtra(), signal);
    const refreshToken = ctx.tokens?.refreshToken;
    if (refreshToken === undefined) throw new ReauthorizationRequiredError(connectionId, "no_refresh_token");
    return requestRefresh(p, refreshToken, signal);
  };
}
