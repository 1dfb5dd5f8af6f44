import * as oauth from "oauth4webapi";
import { ConfigError } from "../errors.js";
import { OAuthError } from "./errors.js";
import type { PendingAuthorizations } from "./pending.js";
import type { Protocol } from "./protocol.js";
import type { TokenManager } from "./token-manager.js";
import { type TokenSet, toTokenSet } from "./token-set.js";

export interface AuthorizationUrlOptions {
  /** Your id for the account/user these tokens will belong to. */
  connectionId: string;
  /** Default: the `scopes` given to `oauth2()`. `openid` turns on OpenID Connect (nonce, ID token checks). */
  scopes?: string[];
  /** More authorization request parameters (`prompt`, `login_hint`, `access_type`, `resource`, ...). Cannot replace the ones ballast sets. */
  extraParams?: Record<string, string>;
  /** Default: the `redirectUri` given to `oauth2()`. */
  redirectUri?: string;
}

/** What a callback gives. */
export interface CallbackResult {
  connectionId: string;
  tokens: TokenSet;
  /** The validated ID token claims (OpenID Connect). */
  claims?: oauth.IDToken | undefined;
}

/** Query parameters of the callback: a URL (string or URL), URLSearchParams, or a plain object (e.g. `req.query`; non-string values are ignored). */
export type CallbackInput = string | URL | URLSearchParams | Record<string, unknown>;

const RESERVED = new Set(["client_id", "redirect_uri", "response_type", "scope", "state", "code_challenge", "code_challenge_method", "nonce"]);

export function toCallbackParams(input: CallbackInput): URLSearchParams {
  if (input instanceof URLSearchParams) return input;
  if (input instanceof URL) return input.searchParams;
  if (typeof input === "string") {
    const q = input.indexOf("?");
    return new URLSearchParams(q === -1 ? input : input.slice(q + 1).split("#")[0]);
  }
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(input)) {
    if (typeof v === "string") params.append(k, v);
    else if (Array.isArray(v)) for (const item of v) if (typeof item === "string") params.append(k, item);
  }
  return params;
}

export interface AuthorizationCodeDeps {
  protocol: Protocol;
  pending: PendingAuthorizations;
  tokens: TokenManager;
  defaultScopes: string[];
  defaultRedirectUri: string | undefined;
}

/** Builds the authorization URL (PKCE S256, state, nonce for OIDC) and remembers what the callback will need. */
export async function buildAuthorizationUrl(deps: AuthorizationCodeDeps, options: AuthorizationUrlOptions): Promise<string> {
  if (typeof options?.connectionId !== "string" || options.connectionId === "")
    throw new ConfigError("authorizationUrl.connectionId", "must be a non-empty string");
  const redirectUri = options.redirectUri ?? deps.defaultRedirectUri;
  if (redirectUri === undefined)
    throw new ConfigError("redirectUri", "is required for the authorization code flow (give it to oauth2() or authorizationUrl())");
  const as = await deps.protocol.server();
  if (as.authorization_endpoint === undefined) throw new ConfigError("endpoints.authorization", "the server has no authorization endpoint");
  const scopes = options.scopes ?? deps.defaultScopes;
  const codeVerifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const url = new URL(as.authorization_endpoint);
  for (const [k, v] of Object.entries(options.extraParams ?? {})) {
    if (RESERVED.has(k)) throw new ConfigError(`authorizationUrl.extraParams.${k}`, "is set by ballast and cannot be overridden");
    url.searchParams.set(k, v);
  }
  url.searchParams.set("client_id", deps.protocol.client.client_id);
  url.searchParams.set("redirect_uri", redirectUri);
  url.searchParams.set("response_type", "code");
  if (scopes.length > 0) url.searchParams.set("scope", scopes.join(" "));
  url.searchParams.set("state", state);
  url.searchParams.set("code_challenge", await oauth.calculatePKCECodeChallenge(codeVerifier));
  url.searchParams.set("code_challenge_method", "S256");
  const pending = { connectionId: options.connectionId, codeVerifier, redirectUri, scopes };
  if (scopes.includes("openid")) {
    const nonce = oauth.generateRandomNonce();
    url.searchParams.set("nonce", nonce);
    await deps.pending.put(state, { ...pending, nonce });
  } else {
    await deps.pending.put(state, pending);
  }
  return url.href;
}

/**
 * Finishes the authorization code flow: checks `state` (known, unexpired,
 * single use), turns a provider error into `OAuthError` (`access_denied`,
 * ...), exchanges the code with the PKCE verifier, validates the ID token for
 * OIDC and stores the tokens under the connection id.
 */
export async function finishAuthorization(deps: AuthorizationCodeDeps, input: CallbackInput): Promise<CallbackResult> {
  const params = toCallbackParams(input);
  const pending = await deps.pending.take(params.get("state"));
  const { protocol } = deps;
  const as = await protocol.server();
  const callback = await protocol.call(undefined, async () => oauth.validateAuthResponse(as, protocol.client, params, params.get("state") as string));
  const response = await protocol.call(as.token_endpoint, async () => {
    const res = await oauth.authorizationCodeGrantRequest(
      as,
      protocol.client,
      await protocol.clientAuth(),
      callback,
      pending.redirectUri,
      pending.codeVerifier,
      protocol.http(),
    );
    const openid = pending.nonce !== undefined;
    return oauth.processAuthorizationCodeResponse(as, protocol.client, res, openid ? { expectedNonce: pending.nonce as string, requireIdToken: true } : {});
  });
  if (typeof response.access_token !== "string") throw new OAuthError("ballast_no_access_token", { message: "token response has no access_token" });
  const tokens = toTokenSet(response, protocol.clock.now());
  await deps.tokens.set(pending.connectionId, tokens, { grant: "authorization_code", scopes: pending.scopes });
  return { connectionId: pending.connectionId, tokens, claims: oauth.getValidatedIdTokenClaims(response) };
}
