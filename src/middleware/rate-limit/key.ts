import type { ApiRequest } from "../../types.js";
import { fingerprint } from "../../util/fingerprint.js";

/** Request headers that carry the credential a quota belongs to. */
const CREDENTIAL_HEADERS = ["authorization", "x-api-key", "api-key", "apikey", "private-token", "x-auth-token"] as const;

/**
 * The default rate-limit key: the request's origin, plus a sha256 digest of
 * its credential header when one is set (never the credential itself), since
 * an API's quota belongs to the key that calls it.
 */
export function defaultRateLimitKey(req: ApiRequest): string {
  for (const name of CREDENTIAL_HEADERS) {
    const value = req.headers[name];
    if (value) return `${req.origin}#${fingerprint(value)}`;
  }
  return req.origin;
}
