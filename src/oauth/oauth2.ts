import type { Clock } from "../clock.js";
import { systemClock } from "../clock.js";
import { ConfigError } from "../errors.js";
import { type AuthMiddleware, withCredential } from "../middleware/auth/auth.js";
import { memoryStore } from "../stores/memory.js";
import type { Store } from "../stores/types.js";
import { type Duration, toMillis } from "../util/duration.js";
import { type AuthorizationUrlOptions, buildAuthorizationUrl, type CallbackInput, type CallbackResult, finishAuthorization } from "./authorization-code.js";
import { type DeviceAuthorization, type DeviceAuthorizationOptions, startDeviceAuthorization } from "./device.js";
import { type ExtraParams, renewWith, requestJwtBearer, requestRevocation } from "./grants.js";
import { type LoopbackLoginOptions, loopbackLogin } from "./loopback.js";
import { tokenAuth } from "./middleware.js";
import { pendingAuthorizations } from "./pending.js";
import { type ClientAuthenticationMethod, createProtocol, type OAuthEndpoints, type PrivateKeyOptions } from "./protocol.js";
import { type ReauthorizationEvent, TokenManager } from "./token-manager.js";
import type { TokenSet } from "./token-set.js";
import { memoryTokenStore } from "./token-stores/memory.js";
import { migrateLegacyTokens, registrationNamespace, type TokenMigrationOptions, type TokenMigrationReport } from "./token-stores/namespaced.js";
import type { TokenStore } from "./token-stores/types.js";

export interface OAuth2Options {
  /** Issuer URL for discovery (RFC 8414 / OpenID Connect). Give this or `endpoints`. */
  issuer?: string;
  /** Which discovery document: `oidc` (default) or `oauth2` (`/.well-known/oauth-authorization-server`). */
  discovery?: "oidc" | "oauth2";
  /** Explicit endpoints, for providers without discovery (GitHub, Slack). */
  endpoints?: OAuthEndpoints;
  clientId: string;
  clientSecret?: string;
  /** Default: `private_key_jwt` with `privateKey`, `client_secret_basic` with a secret, else `none` (public client). */
  clientAuthentication?: ClientAuthenticationMethod;
  /** For `private_key_jwt`. */
  privateKey?: PrivateKeyOptions;
  /** Where the provider sends the user back (authorization code flow). */
  redirectUri?: string;
  /** Scopes asked for when a call gives none. */
  scopes?: string[];
  /** Where tokens live, encrypted (default `memoryTokenStore()`). Records are namespaced by issuer and client id (see `tokenNamespace`). */
  tokenStore?: TokenStore;
  /**
   * Prefix of this registration's records, pending states and locks in shared
   * stores. Default: derived from the issuer (or token endpoint) and client id,
   * so two providers sharing a store never mix. Set it to keep records when the
   * issuer URL changes.
   */
  tokenNamespace?: string;
  /**
   * Pending authorizations (state, PKCE verifier) and refresh locks. Default: an
   * in-memory store, so only this process; give `redisStore(ioredis)` for a fleet.
   */
  store?: Store;
  clock?: Clock;
  /** Refresh this long before expiry (default `"60s"`). */
  refreshSkew?: Duration;
  /** Longest one refresh may hold the cross-process lock (default `"30s"`). */
  lockTtl?: Duration;
  /** How long an authorization URL stays valid (default `"10m"`). */
  stateTtl?: Duration;
  /**
   * Time limit of each request to the authorization server (default `"30s"`);
   * for a token request, of all its tries together.
   */
  timeout?: Duration;
  /**
   * Token requests (client credentials, refresh, JWT bearer) that fail
   * transiently — 429/502/503/504, a connection refused or reset — are tried
   * again with backoff or the server's `Retry-After`, within `timeout`:
   * `{ attempts }` tries in all (default 3), or `false` for one try.
   */
  retry?: { attempts?: number } | false;
  /** Extra parameters for every client credentials request (`audience`, `resource`, ...). */
  clientCredentialsParams?: ExtraParams;
  /** Called once when a refresh token is refused (`invalid_grant`) and the connection is marked. */
  onReauthorizationRequired?: (event: ReauthorizationEvent) => void | Promise<void>;
  /** Allow `http:` endpoints. Only for a local authorization server in development and tests. */
  allowInsecureRequests?: boolean;
  /** The fetch used for requests to the authorization server (default: global fetch). */
  fetch?: typeof fetch;
}

function tokenAttempts(retry: OAuth2Options["retry"]): number {
  if (retry === false) return 1;
  if (retry === undefined) return 3;
  if (typeof retry !== "object" || retry === null) throw new ConfigError("retry", "must be { attempts } or false");
  return retry.attempts ?? 3;
}

export interface ClientCredentialsOptions {
  scopes?: string[];
  /** Skip the cache and get a new token. */
  forceRefresh?: boolean;
  signal?: AbortSignal;
}

export interface RevokeOptions {
  /** Which token to revoke (default `all`: the refresh token, then the access token). */
  token?: "refresh_token" | "access_token" | "all";
  /** Keep the stored record (default false: it is deleted). */
  keep?: boolean;
  signal?: AbortSignal;
}

export interface JwtBearerOptions {
  /** The signed assertion (see `jwtAssertion()`). */
  assertion: string;
  scopes?: string[];
  extraParams?: ExtraParams;
  /** Store the tokens under this connection id (they are returned either way). */
  connectionId?: string;
  signal?: AbortSignal;
}

export interface OAuth2 {
  /** Authorization code + PKCE: the URL to send the user to. Remembers state and verifier. */
  authorizationUrl(options: AuthorizationUrlOptions): Promise<string>;
  /** Finishes the authorization code flow from the callback URL or its query parameters; stores the tokens. */
  handleCallback(input: CallbackInput): Promise<CallbackResult>;
  /** Command-line login over a loopback redirect (RFC 8252). */
  loopbackLogin(options: LoopbackLoginOptions): Promise<CallbackResult>;
  /** Device authorization grant (RFC 8628). */
  deviceAuthorization(options: DeviceAuthorizationOptions): Promise<DeviceAuthorization>;
  /** A client credentials token, cached (and shared through the token store) until `refreshSkew` before expiry. */
  clientCredentials(options?: ClientCredentialsOptions): Promise<TokenSet>;
  /** Refreshes a connection now (single flight; the rotated refresh token is stored). */
  refresh(connectionId: string, options?: { signal?: AbortSignal }): Promise<TokenSet>;
  /** Revokes a connection's tokens (RFC 7009) and deletes them. */
  revoke(connectionId: string, options?: RevokeOptions): Promise<void>;
  /** JWT bearer grant (RFC 7523). */
  jwtBearer(options: JwtBearerOptions): Promise<TokenSet>;
  /** Middleware: the connection's access token on every attempt; on a 401, one refresh and one retry. */
  auth(connectionId: string): AuthMiddleware;
  /** Middleware: a cached client credentials token on every attempt, with the same 401 handling. */
  clientCredentialsAuth(options?: { scopes?: string[] }): AuthMiddleware;
  /** Moves records stored by ballast 0.1 (without a namespace) into this registration's namespace. Run once, after every process runs 0.2. */
  migrateTokens(options?: TokenMigrationOptions): Promise<TokenMigrationReport>;
  readonly tokens: TokenManager;
}

/** The connection id client credentials tokens are cached under. */
export function clientCredentialsConnectionId(scopes: string[]): string {
  return `client_credentials:${[...scopes].sort().join(" ")}`;
}

function checkScopes(value: unknown, option: string): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((s) => typeof s !== "string" || s === "" || /\s/.test(s)))
    throw new ConfigError(option, "must be an array of scope strings without spaces");
  return value;
}

/** An OAuth 2 / OpenID Connect client for one provider registration. */
export function oauth2(options: OAuth2Options): OAuth2 {
  if (options === null || typeof options !== "object") throw new ConfigError("oauth2", "must be an options object");
  const clock = options.clock ?? systemClock;
  const protocol = createProtocol({
    issuer: options.issuer,
    discovery: options.discovery,
    endpoints: options.endpoints,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    clientAuthentication: options.clientAuthentication,
    privateKey: options.privateKey,
    allowInsecureRequests: options.allowInsecureRequests,
    fetch: options.fetch,
    timeoutMs: toMillis(options.timeout ?? "30s", "timeout"),
    tokenAttempts: tokenAttempts(options.retry),
    clock,
  });
  const defaultScopes = checkScopes(options.scopes, "scopes") ?? [];
  if (options.redirectUri !== undefined) {
    try {
      new URL(options.redirectUri);
    } catch {
      throw new ConfigError("redirectUri", "must be an absolute URL");
    }
  }
  if (options.tokenNamespace !== undefined && (typeof options.tokenNamespace !== "string" || options.tokenNamespace === ""))
    throw new ConfigError("tokenNamespace", "must be a non-empty string");
  // The issuer identifies the authorization server; without discovery the token endpoint does.
  const namespace =
    options.tokenNamespace ?? registrationNamespace(options.issuer ?? options.endpoints?.issuer ?? options.endpoints?.token ?? "", options.clientId);
  const store = options.store ?? memoryStore({ clock });
  const pending = pendingAuthorizations(store, toMillis(options.stateTtl ?? "10m", "stateTtl"), namespace);
  const tokenStore = options.tokenStore ?? memoryTokenStore();
  const ccParams = options.clientCredentialsParams;
  const tokens = new TokenManager({
    store: tokenStore,
    namespace,
    renew: renewWith(protocol, () => ccParams),
    // An explicit store is what makes refreshes single-flight across processes.
    locks: options.store,
    clock,
    refreshSkew: options.refreshSkew,
    lockTtl: options.lockTtl,
    onReauthorizationRequired: options.onReauthorizationRequired,
  });
  const codeDeps = { protocol, pending, tokens, defaultScopes, defaultRedirectUri: options.redirectUri };

  const clientCredentials = (o: ClientCredentialsOptions = {}): Promise<TokenSet> => {
    const scopes = checkScopes(o.scopes, "clientCredentials.scopes") ?? defaultScopes;
    const id = clientCredentialsConnectionId(scopes);
    const seed = { grant: "client_credentials" as const, scopes };
    const signal = o.signal === undefined ? {} : { signal: o.signal };
    return o.forceRefresh ? tokens.refresh(id, { ...signal, renewMissing: seed }) : tokens.get(id, { ...signal, renewMissing: seed });
  };

  const self: OAuth2 = {
    tokens,
    authorizationUrl: (o) => buildAuthorizationUrl(codeDeps, o),
    handleCallback: (input) => finishAuthorization(codeDeps, input),
    loopbackLogin: (o) => loopbackLogin({ clock, authorizationUrl: self.authorizationUrl, handleCallback: self.handleCallback }, o),
    deviceAuthorization: (o) => startDeviceAuthorization(protocol, tokens, defaultScopes, o),
    clientCredentials,
    refresh: (connectionId, o = {}) => tokens.refresh(connectionId, o),
    async revoke(connectionId, o = {}) {
      const record = await tokens.peek(connectionId);
      if (record !== undefined) {
        const which = o.token ?? "all";
        const { refreshToken, accessToken } = record.tokens;
        if (which !== "access_token" && refreshToken !== undefined) await requestRevocation(protocol, refreshToken, "refresh_token", o.signal);
        if (which !== "refresh_token") await requestRevocation(protocol, accessToken, "access_token", o.signal);
      }
      if (!o.keep) await tokens.delete(connectionId);
    },
    async jwtBearer(o) {
      if (typeof o?.assertion !== "string" || o.assertion === "") throw new ConfigError("jwtBearer.assertion", "must be a signed JWT string");
      const scopes = checkScopes(o.scopes, "jwtBearer.scopes") ?? defaultScopes;
      const set = await requestJwtBearer(protocol, o.assertion, scopes, o.extraParams, o.signal);
      if (o.connectionId !== undefined) await tokens.set(o.connectionId, set, { grant: "jwt_bearer", scopes });
      return set;
    },
    auth(connectionId) {
      if (typeof connectionId !== "string" || connectionId === "") throw new ConfigError("auth(connectionId)", "must be a non-empty string");
      const m = tokenAuth((rejected, signal) => tokens.get(connectionId, { rejected, signal }));
      return withCredential(m, () => `${namespace}${connectionId}`);
    },
    clientCredentialsAuth(o = {}) {
      const scopes = checkScopes(o.scopes, "clientCredentialsAuth.scopes") ?? defaultScopes;
      const id = clientCredentialsConnectionId(scopes);
      const seed = { grant: "client_credentials" as const, scopes };
      const m = tokenAuth((rejected, signal) => tokens.get(id, { rejected, signal, renewMissing: seed }));
      return withCredential(m, () => `${namespace}${id}`);
    },
    migrateTokens: (o) => migrateLegacyTokens(tokenStore, namespace, o),
  };
  return self;
}
