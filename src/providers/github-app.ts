import { type Clock, systemClock } from "../clock.js";
import { ConfigError } from "../errors.js";
import { jwtAssertion } from "../oauth/jwt-assertion.js";
import { tokenAuth } from "../oauth/middleware.js";
import type { PrivateKeyInput } from "../oauth/signing-key.js";
import { TokenManager } from "../oauth/token-manager.js";
import { memoryTokenStore } from "../oauth/token-stores/memory.js";
import type { TokenStore } from "../oauth/token-stores/types.js";
import type { Store } from "../stores/types.js";
import type { Middleware } from "../types.js";
import type { Duration } from "../util/duration.js";

/** A GitHub App installation to act as. */
export interface GithubAppCredentials {
  /** The App ID from the app's settings page (the JWT's `iss`). */
  appId: string | number;
  /** The app's private key: the PEM GitHub downloads (PKCS#1), PKCS#8, a JWK or a KeyObject. */
  privateKey: PrivateKeyInput;
  /** Which installation's token to use. */
  installationId: string | number;
  /**
   * Where installation tokens are kept, encrypted (default: this process's memory).
   * `redisTokenStore()`/`sqlTokenStore()` share one token across processes.
   */
  tokenStore?: TokenStore;
  /** Locks shared by every process (`redisStore(ioredis)`): one token exchange per installation across the fleet. */
  locks?: Store;
  /** Get a new installation token this long before the current one expires (default `"5m"`; tokens live 1 h). */
  refreshSkew?: Duration;
}

/** An installation token as the exchange returns it. */
export interface InstallationToken {
  token: string;
  /** ISO 8601, as GitHub sends `expires_at`. */
  expires_at: string;
}

/** POSTs `/app/installations/:id/access_tokens` authenticated as the app (`GithubAppAuth.appAuth`). */
export type ExchangeInstallationToken = (installationId: string, signal: AbortSignal) => Promise<InstallationToken>;

export interface GithubAppAuth {
  /** Sends the installation token; on a 401 that blames it, gets a new one once and repeats the request. */
  readonly auth: Middleware;
  /** Signs app JWTs (RS256, `iss` = app id, 9 minutes, `iat` 60 s back): the credential of `/app/...` endpoints. */
  readonly appAuth: Middleware;
  /** The token manager holding the installation token (stats, forced refresh). */
  readonly tokens: TokenManager;
  /** The token manager's connection id for this installation. */
  readonly connectionId: string;
}

/**
 * GitHub App auth: an app JWT signed with the app's private key is exchanged
 * for an installation token, which is cached per installation (encrypted in
 * the token store), renewed `refreshSkew` before it expires and after a 401,
 * and renewed once however many requests need it at the same time (the OAuth
 * `TokenManager`'s single flight, across processes with `locks`).
 */
export function githubAppAuth(app: GithubAppCredentials, exchange: ExchangeInstallationToken, clock: Clock = systemClock): GithubAppAuth {
  if (app === null || typeof app !== "object") throw new ConfigError("app", "must be { appId, privateKey, installationId }");
  const appId = String(app.appId ?? "");
  if (!/^\d+$/.test(appId)) throw new ConfigError("app.appId", "must be the numeric App ID from the app's settings");
  const installationId = String(app.installationId ?? "");
  if (!/^\d+$/.test(installationId)) throw new ConfigError("app.installationId", "must be the numeric installation id");
  if (app.privateKey === undefined || app.privateKey === null || app.privateKey === "") throw new ConfigError("app.privateKey", "is required");

  // GitHub allows at most 10 minutes and recommends backdating iat by 60 s against clock drift.
  const appJwt = jwtAssertion({ privateKey: app.privateKey, alg: "RS256", issuer: appId, expiresIn: "9m", backdate: "60s", jti: false, clock });
  const connectionId = `github-app:${appId}:${installationId}`;
  const tokens = new TokenManager({
    store: app.tokenStore ?? memoryTokenStore(),
    locks: app.locks,
    clock,
    refreshSkew: app.refreshSkew ?? "5m",
    async renew(_id, _context, signal) {
      const issued = await exchange(installationId, signal);
      const expiresAt = Date.parse(issued?.expires_at);
      if (typeof issued?.token !== "string" || issued.token === "" || Number.isNaN(expiresAt))
        throw new TypeError("the installation token response has no token or expires_at");
      return { accessToken: issued.token, tokenType: "bearer", expiresAt };
    },
  });
  const auth = tokenAuth((rejected, signal) => tokens.get(connectionId, { rejected, signal, renewMissing: { grant: "jwt_bearer" } }));
  return { auth, appAuth: appJwt.auth, tokens, connectionId };
}
