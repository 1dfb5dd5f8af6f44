import { createHash } from "node:crypto";
import type { ApiRequest } from "../../types.js";

/** Request headers that carry the credential a quota belongs to. */
const CREDENTIAL_HEADERS = ["authorization", "x-api-key", "api-key", "apikey", "private-token", "x-auth-token"] as const;

const hashes = new Map<string, string>();
const MAX_CACHED = 1000;

/** A short, stable digest of a credential: enough to tell keys apart, useless to an attacker. */
function digest(credential: string): string {
  let h = hashes.get(credential);
  if (h === undefined) {
    h = createHash("sha256").update(credential).digest("base64url").slice(0, 16);
    if (hashes.size >= MAX_CACHED) hashes.clear();
    hashes.set(credential, h);
  }
  return h;
}

/**
 * The default rate-limit key: the request's origin, plus a sha256 digest of
 * its credential header when one is set (never the credential itself), since
 * an API's quota belongs to the key that calls it.
 */
export function defaultRateLimitKey(req: ApiRequest): string {
  for (const name of CREDENTIAL_HEADERS) {
    const value = req.headers[name];
    if (value) return `${req.origin}#${digest(value)}`;
  }
  return req.origin;
}
