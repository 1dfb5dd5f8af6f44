import { createHash } from "node:crypto";
import type { ApiRequest } from "../types.js";

const cache = new Map<string, string>();
const MAX_CACHED = 1000;

/** A short, stable digest of a credential: enough to tell keys apart, useless to an attacker. */
export function fingerprint(credential: string): string {
  let h = cache.get(credential);
  if (h === undefined) {
    h = createHash("sha256").update(credential).digest("base64url").slice(0, 16);
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(credential, h);
  }
  return h;
}

/** A stable key for the credential an auth middleware sends with `req` (a fingerprint or a connection id, never the secret). */
export type CredentialKey = (req: ApiRequest) => string | Promise<string>;

/** An auth middleware's `credential` property (see `AuthMiddleware`), when it has a valid one. */
function credentialProperty(auth: unknown): string | CredentialKey | undefined {
  if (typeof auth !== "function") return undefined;
  const credential = (auth as { credential?: unknown }).credential;
  return typeof credential === "string" || typeof credential === "function" ? (credential as string | CredentialKey) : undefined;
}

/** The fingerprint of an auth middleware's static credential, if it names one. */
export function credentialOf(auth: unknown): string | undefined {
  const credential = credentialProperty(auth);
  return typeof credential === "string" ? credential : undefined;
}

/**
 * How to tell the credential an auth middleware sends: a function for one that
 * names its credential, `"unknown"` for one that does not, `undefined` for no auth.
 */
export function credentialKeyOf(auth: unknown): CredentialKey | "unknown" | undefined {
  if (auth === undefined) return undefined;
  const credential = credentialProperty(auth);
  if (credential === undefined) return "unknown";
  return typeof credential === "string" ? () => credential : credential;
}
