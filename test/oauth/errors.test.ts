import { describe, expect, it } from "vitest";
import { isApiError } from "../../src/errors.js";
import {
  DeviceAuthorizationError,
  isDeviceAuthorizationError,
  isOAuthError,
  isReauthorizationRequiredError,
  isStateMismatchError,
  isTokenDecryptionError,
  OAuthError,
  ReauthorizationRequiredError,
  StateMismatchError,
  TokenDecryptionError,
} from "../../src/oauth/index.js";

describe("OAuth errors", () => {
  const cases = [
    [new OAuthError("invalid_client", { description: "bad client", status: 401 }), "BALLAST_OAUTH", isOAuthError],
    [new ReauthorizationRequiredError("c1", "invalid_grant"), "BALLAST_OAUTH_REAUTHORIZATION_REQUIRED", isReauthorizationRequiredError],
    [new StateMismatchError("already_used"), "BALLAST_OAUTH_STATE_MISMATCH", isStateMismatchError],
    [new TokenDecryptionError("unknown_key", "k0"), "BALLAST_OAUTH_DECRYPTION", isTokenDecryptionError],
    [new DeviceAuthorizationError("expired_token"), "BALLAST_OAUTH_DEVICE", isDeviceAuthorizationError],
  ] as const;

  it("each has a stable code, a name, and a guard that matches only it", () => {
    for (const [error, code, guard] of cases) {
      expect(error.code).toBe(code);
      expect(isApiError(error)).toBe(true);
      expect(guard(error)).toBe(true);
      expect(error.name).toBe(error.constructor.name);
      for (const [other, , otherGuard] of cases) {
        if (other !== error && !(error instanceof DeviceAuthorizationError && otherGuard === isOAuthError)) expect(otherGuard(error)).toBe(false);
      }
    }
    // A device error is also an OAuthError (it carries the provider's code).
    expect(isOAuthError(new DeviceAuthorizationError("access_denied"))).toBe(true);
  });

  it("guards work on copies from another instance of the package (brand + code, not instanceof)", () => {
    const foreign = Object.assign(Object.create(null), { code: "BALLAST_OAUTH_STATE_MISMATCH", [Symbol.for("ballast.error")]: true });
    expect(isStateMismatchError(foreign)).toBe(true);
    expect(isStateMismatchError({ code: "BALLAST_OAUTH_STATE_MISMATCH" })).toBe(false);
  });

  it("messages say what to do", () => {
    expect(new ReauthorizationRequiredError("user-1", "marked").message).toContain('"user-1" needs to be authorized again');
    expect(new TokenDecryptionError("unknown_key", "2023").message).toContain('key id "2023"');
    expect(new OAuthError("access_denied", { description: "User said no" }).message).toBe('OAuth error "access_denied": User said no');
  });
});
