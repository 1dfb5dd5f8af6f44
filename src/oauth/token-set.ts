import type { TokenEndpointResponse } from "oauth4webapi";

/** Tokens of one connection, as ballast stores them (encrypted at rest). */
export interface TokenSet {
  accessToken: string;
  /** `bearer` unless the server said otherwise (lower case). */
  tokenType: string;
  /** When the access token expires (ms since epoch); undefined when the server did not say. */
  expiresAt?: number | undefined;
  refreshToken?: string | undefined;
  idToken?: string | undefined;
  /** Granted scopes, space separated, as the server returned them. */
  scope?: string | undefined;
}

/** How a connection gets new tokens: by its refresh token, or by running client credentials again. */
export type TokenGrant = "authorization_code" | "client_credentials" | "device_code" | "jwt_bearer" | "manual";

/** What a token store holds per connection (encrypted as a whole). */
export interface TokenRecord {
  tokens: TokenSet;
  grant: TokenGrant;
  /** Scopes asked for when the connection was made (client credentials reuses them). */
  scopes?: string[] | undefined;
  /** Set after the refresh token was refused: the connection needs the user again. */
  reauthorizationRequired?: boolean | undefined;
  /** When this record was written (ms since epoch). */
  updatedAt: number;
}

/** Converts a validated token endpoint response; keeps `previousRefreshToken` when the server did not rotate it. */
export function toTokenSet(res: TokenEndpointResponse, now: number, previousRefreshToken?: string): TokenSet {
  const set: TokenSet = { accessToken: res.access_token, tokenType: res.token_type || "bearer" };
  if (typeof res.expires_in === "number") set.expiresAt = now + res.expires_in * 1000;
  const refresh = res.refresh_token ?? previousRefreshToken;
  if (refresh !== undefined) set.refreshToken = refresh;
  if (res.id_token !== undefined) set.idToken = res.id_token;
  if (res.scope !== undefined) set.scope = res.scope;
  return set;
}

/** The `authorization` header value for a token set. */
export function authorizationHeader(tokens: TokenSet): string {
  const type = tokens.tokenType.toLowerCase() === "bearer" ? "Bearer" : tokens.tokenType;
  return `${type} ${tokens.accessToken}`;
}
