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

const CREDENTIAL = Symbol.for("ballast.credential-fingerprint");

/** Marks an auth middleware with the fingerprint of its static credential. */
export function markCredential<T extends object>(target: T, credential: string): T {
  Object.defineProperty(target, CREDENTIAL, { value: fingerprint(credential) });
  return target;
}

/** The fingerprint an auth middleware was marked with, if its credential is static. */
export function credentialOf(target: unknown): string | undefined {
  return typeof target === "function" ? ((target as unknown as Record<symbol, string | undefined>)[CREDENTIAL] ?? undefined) : undefined;
}

/** A stable key for the credential an auth middleware will send with `req` (a fingerprint or a connection id, never the secret). */
export type CredentialKey = (req: ApiRequest) => string | Promise<string>;

const CREDENTIAL_KEY = Symbol.for("ballast.credential-key");

/** Marks an auth middleware whose credential is resolved per request (a secret function, an OAuth connection). */
export function markCredentialKey<T extends object>(target: T, key: CredentialKey): T {
  Object.defineProperty(target, CREDENTIAL_KEY, { value: key });
  return target;
}

/**
 * How to tell the credential an auth middleware sends: a function for a marked
 * middleware, `"unknown"` for one ballast cannot identify, `undefined` for no auth.
 */
export function credentialKeyOf(target: unknown): CredentialKey | "unknown" | undefined {
  if (target === undefined) return undefined;
  const fixed = credentialOf(target);
  if (fixed !== undefined) return () => fixed;
  const key = typeof target === "function" ? (target as unknown as Record<symbol, CredentialKey | undefined>)[CREDENTIAL_KEY] : undefined;
  return key ?? "unknown";
}
