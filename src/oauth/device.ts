import * as oauth from "oauth4webapi";
import { ConfigError } from "../errors.js";
import { DeviceAuthorizationError, isOAuthError } from "./errors.js";
import type { Protocol } from "./protocol.js";
import type { TokenManager } from "./token-manager.js";
import { type TokenSet, toTokenSet } from "./token-set.js";

export interface DeviceAuthorizationOptions {
  connectionId: string;
  scopes?: string[];
  extraParams?: Record<string, string>;
}

/** A started device login (RFC 8628): show `userCode` and `verificationUri` to the user, then `wait()`. */
export interface DeviceAuthorization {
  userCode: string;
  verificationUri: string;
  verificationUriComplete: string | undefined;
  /** When the device code expires (ms since epoch). */
  expiresAt: number;
  /** Polls the token endpoint (honouring `interval` and `slow_down`) until the user finished; stores and returns the tokens. */
  wait(options?: { signal?: AbortSignal }): Promise<TokenSet>;
}

/** Starts the device authorization grant. */
export async function startDeviceAuthorization(
  p: Protocol,
  tokens: TokenManager,
  defaultScopes: string[],
  options: DeviceAuthorizationOptions,
): Promise<DeviceAuthorization> {
  if (typeof options?.connectionId !== "string" || options.connectionId === "")
    throw new ConfigError("deviceAuthorization.connectionId", "must be a non-empty string");
  const as = await p.server();
  if (as.device_authorization_endpoint === undefined) throw new ConfigError("endpoints.deviceAuthorization", "the server has no device authorization endpoint");
  const scopes = options.scopes ?? defaultScopes;
  const params: Record<string, string> = { ...options.extraParams };
  if (scopes.length > 0) params.scope = scopes.join(" ");
  const started = await p.call(as.device_authorization_endpoint, async () => {
    const res = await oauth.deviceAuthorizationRequest(as, p.client, await p.clientAuth(), params, p.http());
    return oauth.processDeviceAuthorizationResponse(as, p.client, res);
  });
  const expiresAt = p.clock.now() + started.expires_in * 1000;
  const deviceCode = started.device_code;

  async function wait(waitOptions: { signal?: AbortSignal } = {}): Promise<TokenSet> {
    let interval = (started.interval ?? 5) * 1000;
    for (;;) {
      await p.clock.sleep(interval, waitOptions.signal);
      if (p.clock.now() >= expiresAt) throw new DeviceAuthorizationError("expired_token", { message: "the device code expired before the user finished" });
      try {
        const set = await p.call(as.token_endpoint, async () => {
          const res = await oauth.deviceCodeGrantRequest(as, p.client, await p.clientAuth(), deviceCode, p.http(waitOptions.signal));
          return toTokenSet(await oauth.processDeviceCodeResponse(as, p.client, res), p.clock.now());
        });
        await tokens.set(options.connectionId, set, { grant: "device_code", scopes });
        return set;
      } catch (e) {
        if (!isOAuthError(e)) throw e;
        if (e.error === "authorization_pending") continue;
        if (e.error === "slow_down") {
          interval += 5000; // RFC 8628 §3.5
          continue;
        }
        if (e.error === "access_denied" || e.error === "expired_token")
          throw new DeviceAuthorizationError(e.error, { description: e.errorDescription, status: e.status });
        throw e;
      }
    }
  }

  return {
    userCode: started.user_code,
    verificationUri: started.verification_uri,
    verificationUriComplete: started.verification_uri_complete,
    expiresAt,
    wait,
  };
}
