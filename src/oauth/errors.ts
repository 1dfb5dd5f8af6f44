import { ApiError, type ApiErrorOptions, errorGuard } from "../errors.js";

/**
 * The authorization server answered with an OAuth error (`invalid_client`,
 * `access_denied`, `slow_down`, ...), or its answer broke the protocol.
 * `error` is the provider's code, or a `ballast_*` code for protocol failures
 * found on our side. The description is the provider's own text; no token,
 * secret or raw response body is kept.
 */
export class OAuthError extends ApiError {
  override readonly code: string = "BALLAST_OAUTH";
  /** The OAuth `error` code from the provider (`invalid_grant`, `access_denied`, ...). */
  readonly error: string;
  readonly errorDescription: string | undefined;
  /** HTTP status of the token endpoint response, when there was one. */
  readonly status: number | undefined;

  constructor(error: string, init: ApiErrorOptions & { description?: string | undefined; status?: number | undefined; message?: string } = {}) {
    super(init.message ?? `OAuth error "${error}"${init.description ? `: ${init.description}` : ""}`, init);
    this.error = error;
    this.errorDescription = init.description;
    this.status = init.status;
  }
}

export type ReauthorizationReason = "no_tokens" | "no_refresh_token" | "invalid_grant" | "marked";

/**
 * The connection cannot get a token without the user authorizing again: the
 * refresh token was refused (`invalid_grant`), there is none, or the
 * connection was marked after such a refusal. Send the user through
 * `authorizationUrl()` again; retrying will not help.
 */
export class ReauthorizationRequiredError extends ApiError {
  override readonly code = "BALLAST_OAUTH_REAUTHORIZATION_REQUIRED";
  readonly connectionId: string;
  readonly reason: ReauthorizationReason;
  constructor(connectionId: string, reason: ReauthorizationReason, options: ApiErrorOptions = {}) {
    super(`connection "${connectionId}" needs to be authorized again (${reason})`, options);
    this.connectionId = connectionId;
    this.reason = reason;
  }
}

/**
 * The `state` of a callback is unknown, expired or already used: the callback
 * does not answer an authorization request this app started (or it is a replay).
 */
export class StateMismatchError extends ApiError {
  override readonly code = "BALLAST_OAUTH_STATE_MISMATCH";
  readonly reason: "missing" | "unknown_or_expired" | "already_used";
  constructor(reason: "missing" | "unknown_or_expired" | "already_used") {
    super(`authorization callback rejected: state is ${reason.replaceAll("_", " ")}`);
    this.reason = reason;
  }
}

export type TokenDecryptionReason = "unknown_key" | "wrong_key_or_tampered" | "malformed";

/**
 * A stored token could not be decrypted: its key id is not configured, the key
 * is wrong (or the ciphertext was altered), or the value is not a ballast
 * ciphertext. Never returns garbage instead.
 */
export class TokenDecryptionError extends ApiError {
  override readonly code = "BALLAST_OAUTH_DECRYPTION";
  readonly reason: TokenDecryptionReason;
  /** The key id named in the ciphertext (not the key). */
  readonly keyId: string | undefined;
  constructor(reason: TokenDecryptionReason, keyId?: string) {
    const what =
      reason === "unknown_key"
        ? `it was encrypted with key id "${keyId}", which is not in encryption.keys (add the old key to decrypt, keep the new one as current)`
        : reason === "wrong_key_or_tampered"
          ? `authentication failed with key id "${keyId}": the key is not the one it was written with, or the value was altered`
          : "the stored value is not a ballast token ciphertext";
    super(`cannot decrypt stored token: ${what}`);
    this.reason = reason;
    this.keyId = keyId;
  }
}

/** The device authorization (RFC 8628) expired or was denied before the user finished. */
export class DeviceAuthorizationError extends OAuthError {
  override readonly code = "BALLAST_OAUTH_DEVICE";
}

export const isOAuthError = errorGuard<OAuthError>("BALLAST_OAUTH", "BALLAST_OAUTH_DEVICE");
export const isReauthorizationRequiredError = errorGuard<ReauthorizationRequiredError>("BALLAST_OAUTH_REAUTHORIZATION_REQUIRED");
export const isStateMismatchError = errorGuard<StateMismatchError>("BALLAST_OAUTH_STATE_MISMATCH");
export const isTokenDecryptionError = errorGuard<TokenDecryptionError>("BALLAST_OAUTH_DECRYPTION");
export const isDeviceAuthorizationError = errorGuard<DeviceAuthorizationError>("BALLAST_OAUTH_DEVICE");
