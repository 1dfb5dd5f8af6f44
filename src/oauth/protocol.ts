import * as oauth from "oauth4webapi";
import { type Clock, systemClock } from "../clock.js";
import { ConfigError } from "../errors.js";
import { exponentialBackoff } from "../middleware/retry/backoff.js";
import { redactUrl } from "../redact.js";
import { integerOption } from "../util/options.js";
import { importSigningKey, type PrivateKeyInput, type SigningAlgorithm } from "./signing-key.js";
import { transientFailure } from "./transient.js";
import { toOAuthError } from "./wire-errors.js";

/** Endpoints for providers without discovery (GitHub, Slack), or to override discovered ones. */
export interface OAuthEndpoints {
  /** The issuer identifier, when the provider has one (checked against `iss` in responses). Default: the token endpoint's origin. */
  issuer?: string;
  authorization?: string;
  token: string;
  revocation?: string;
  deviceAuthorization?: string;
  userinfo?: string;
  jwks?: string;
}

export type ClientAuthenticationMethod = "client_secret_basic" | "client_secret_post" | "client_secret_jwt" | "private_key_jwt" | "none";

export interface PrivateKeyOptions {
  key: PrivateKeyInput;
  /** `kid` to put in the assertion header (the key id the server registered). */
  kid?: string;
  /** Default `RS256`. */
  alg?: SigningAlgorithm;
}

/** What every flow needs: the server's metadata, the client, and how to call the server. */
export interface Protocol {
  server(): Promise<oauth.AuthorizationServer>;
  readonly client: oauth.Client;
  clientAuth(): Promise<oauth.ClientAuth>;
  /** Options for one oauth4webapi request: transport, http allowance, timeout and the caller's signal. */
  http(signal?: AbortSignal): oauth.TokenEndpointRequestOptions;
  /** Runs a request + processing pair, turning failures into ballast errors naming the endpoint. */
  call<T>(endpoint: string | undefined, run: () => Promise<T>): Promise<T>;
  /**
   * `call` for a token request, retried while the failure is transient (a
   * 429/502/503/504, a connection refused or reset: `transientFailure`) with
   * backoff (or the server's `Retry-After`), all of it within one `timeout`
   * from the first try. `run` gets the signal to send each try with.
   */
  callTokenEndpoint<T>(endpoint: string, run: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T>;
  readonly clock: Clock;
}

export interface ProtocolOptions {
  issuer?: string | undefined;
  /** `oidc` (`/.well-known/openid-configuration`, the default) or `oauth2` (RFC 8414). */
  discovery?: "oidc" | "oauth2" | undefined;
  endpoints?: OAuthEndpoints | undefined;
  clientId: string;
  clientSecret?: string | undefined;
  clientAuthentication?: ClientAuthenticationMethod | undefined;
  privateKey?: PrivateKeyOptions | undefined;
  allowInsecureRequests?: boolean | undefined;
  fetch?: typeof fetch | undefined;
  timeoutMs: number;
  /** Tries of a token request in all (default 3); 1 or false: no retry. */
  tokenAttempts?: number | undefined;
  clock?: Clock | undefined;
}

function checkUrl(value: unknown, option: string, insecureOk: boolean): string {
  if (typeof value !== "string") throw new ConfigError(option, "must be an absolute URL string");
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(option, `must be an absolute URL; got ${JSON.stringify(redactUrl(value))}`);
  }
  if (url.protocol !== "https:" && !(insecureOk && url.protocol === "http:")) {
    throw new ConfigError(option, `must use https (set allowInsecureRequests for http on loopback in development); got ${url.protocol}`);
  }
  return value;
}

function pickClientAuth(o: ProtocolOptions): ClientAuthenticationMethod {
  if (o.clientAuthentication !== undefined) return o.clientAuthentication;
  if (o.privateKey !== undefined) return "private_key_jwt";
  return o.clientSecret !== undefined ? "client_secret_basic" : "none";
}

export function createProtocol(o: ProtocolOptions): Protocol {
  if (typeof o.clientId !== "string" || o.clientId === "") throw new ConfigError("clientId", "must be a non-empty string");
  const insecure = o.allowInsecureRequests === true;
  if ((o.issuer === undefined) === (o.endpoints === undefined))
    throw new ConfigError("issuer", "give exactly one of issuer (discovery) and endpoints (explicit)");
  const method = pickClientAuth(o);
  const needsSecret = method === "client_secret_basic" || method === "client_secret_post" || method === "client_secret_jwt";
  if (needsSecret && (typeof o.clientSecret !== "string" || o.clientSecret === "")) throw new ConfigError("clientSecret", `is required for ${method}`);
  if (method === "private_key_jwt" && o.privateKey?.key === undefined) throw new ConfigError("privateKey", "is required for private_key_jwt");
  if (!["client_secret_basic", "client_secret_post", "client_secret_jwt", "private_key_jwt", "none"].includes(method)) {
    throw new ConfigError(
      "clientAuthentication",
      `must be client_secret_basic, client_secret_post, client_secret_jwt, private_key_jwt or none; got ${JSON.stringify(method)}`,
    );
  }
  const clock = o.clock ?? systemClock;

  let metadata: Promise<oauth.AuthorizationServer> | undefined;
  if (o.endpoints !== undefined) {
    const e = o.endpoints;
    const token = checkUrl(e.token, "endpoints.token", insecure);
    const as: { -readonly [K in keyof oauth.AuthorizationServer]: oauth.AuthorizationServer[K] } = {
      issuer: e.issuer ?? new URL(token).origin,
      token_endpoint: token,
    };
    if (e.authorization !== undefined) as.authorization_endpoint = checkUrl(e.authorization, "endpoints.authorization", insecure);
    if (e.revocation !== undefined) as.revocation_endpoint = checkUrl(e.revocation, "endpoints.revocation", insecure);
    if (e.deviceAuthorization !== undefined) as.device_authorization_endpoint = checkUrl(e.deviceAuthorization, "endpoints.deviceAuthorization", insecure);
    if (e.userinfo !== undefined) as.userinfo_endpoint = checkUrl(e.userinfo, "endpoints.userinfo", insecure);
    if (e.jwks !== undefined) as.jwks_uri = checkUrl(e.jwks, "endpoints.jwks", insecure);
    metadata = Promise.resolve(as);
  }
  const issuer = o.issuer === undefined ? undefined : new URL(checkUrl(o.issuer, "issuer", insecure));

  const http = (signal?: AbortSignal) => {
    const timeout = AbortSignal.timeout(o.timeoutMs);
    const opts: oauth.TokenEndpointRequestOptions = { signal: signal ? AbortSignal.any([signal, timeout]) : timeout };
    if (insecure) (opts as Record<symbol, unknown>)[oauth.allowInsecureRequests] = true;
    if (o.fetch !== undefined) (opts as Record<symbol, unknown>)[oauth.customFetch] = o.fetch;
    return opts;
  };

  const call = async <T>(endpoint: string | undefined, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (e) {
      throw toOAuthError(e, endpoint === undefined ? undefined : { method: "POST", url: redactUrl(endpoint) });
    }
  };

  const server = (): Promise<oauth.AuthorizationServer> => {
    if (metadata === undefined && issuer !== undefined) {
      const algorithm = o.discovery ?? "oidc";
      metadata = call(issuer.href, async () =>
        oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { ...(http() as unknown as oauth.DiscoveryRequestOptions), algorithm })),
      );
      // A failed discovery is tried again on the next call.
      metadata.catch(() => {
        metadata = undefined;
      });
    }
    return metadata as Promise<oauth.AuthorizationServer>;
  };

  const client: oauth.Client = { client_id: o.clientId };
  let auth: Promise<oauth.ClientAuth> | undefined;
  const clientAuth = (): Promise<oauth.ClientAuth> => {
    auth ??= (async () => {
      switch (method) {
        case "client_secret_basic":
          return oauth.ClientSecretBasic(o.clientSecret as string);
        case "client_secret_post":
          return oauth.ClientSecretPost(o.clientSecret as string);
        case "client_secret_jwt":
          return oauth.ClientSecretJwt(o.clientSecret as string);
        case "private_key_jwt": {
          const pk = o.privateKey as PrivateKeyOptions;
          const key = await importSigningKey(pk.key, pk.alg ?? "RS256", "privateKey.key");
          return oauth.PrivateKeyJwt(pk.kid === undefined ? { key } : { key, kid: pk.kid });
        }
        default:
          return oauth.None();
      }
    })();
    return auth;
  };

  const attempts = integerOption(o.tokenAttempts ?? 3, "retry.attempts");
  const backoff = exponentialBackoff({ base: 100, cap: 2000 });

  const callTokenEndpoint = async <T>(endpoint: string, run: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> => {
    const deadline = clock.now() + o.timeoutMs;
    // One limit for the whole call, retries and waits included.
    const bounded = signal ? AbortSignal.any([signal, AbortSignal.timeout(o.timeoutMs)]) : AbortSignal.timeout(o.timeoutMs);
    const request = { method: "POST", url: redactUrl(endpoint) };
    for (let attempt = 1; ; attempt++) {
      try {
        return await run(bounded);
      } catch (e) {
        const transient = attempt < attempts ? transientFailure(e, clock.now()) : undefined;
        const delay = transient === undefined ? undefined : (transient.waitMs ?? backoff(attempt));
        if (delay === undefined || clock.now() + delay >= deadline || bounded.aborted) throw toOAuthError(e, request);
        try {
          await clock.sleep(delay, bounded);
        } catch {
          throw toOAuthError(e, request);
        }
      }
    }
  };

  return { server, client, clientAuth, http, call, callTokenEndpoint, clock };
}
