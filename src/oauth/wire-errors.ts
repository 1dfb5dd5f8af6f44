import * as oauth from "oauth4webapi";
import { AbortError, type ErrorRequest, isApiError, NetworkError } from "../errors.js";
import { OAuthError } from "./errors.js";

/**
 * Turns what oauth4webapi (or fetch under it) threw into a ballast error.
 * Only codes and descriptions are kept: never the response body, the request
 * parameters or a nested cause, which can carry codes, verifiers or tokens.
 */
export function toOAuthError(e: unknown, request?: ErrorRequest): Error {
  if (isApiError(e)) return e;
  const where = request === undefined ? {} : { request };
  if (e instanceof oauth.ResponseBodyError) {
    return new OAuthError(e.error, { ...where, description: e.error_description, status: e.status });
  }
  if (e instanceof oauth.AuthorizationResponseError) {
    return new OAuthError(e.error, { ...where, description: e.error_description });
  }
  if (e instanceof oauth.WWWAuthenticateChallengeError) {
    const c = e.cause[0];
    const error = c?.parameters.error ?? "invalid_client";
    return new OAuthError(error, { ...where, description: c?.parameters.error_description, status: e.status });
  }
  if (e instanceof oauth.OperationProcessingError || e instanceof oauth.UnsupportedOperationError) {
    return new OAuthError(`ballast_${(e.code ?? "OAUTH_INVALID_RESPONSE").replace(/^OAUTH_/, "").toLowerCase()}`, {
      ...where,
      message: `OAuth protocol check failed: ${e.message}`,
      // an answer that is not OAuth's (a proxy's 503 page) still says what its status was
      status: e.cause instanceof Response ? e.cause.status : undefined,
    });
  }
  if (e instanceof Error && (e.name === "AbortError" || e.name === "TimeoutError")) return new AbortError(e.message, where);
  if (e instanceof TypeError) {
    const errno = (e.cause as { code?: unknown } | undefined)?.code;
    return new NetworkError(`token endpoint request failed: ${e.message}`, { ...where, errno: typeof errno === "string" ? errno : undefined });
  }
  return new OAuthError("ballast_unexpected", { ...where, message: `OAuth request failed: ${e instanceof Error ? e.message : String(e)}` });
}
