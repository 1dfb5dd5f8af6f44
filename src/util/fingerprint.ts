import { createHash } from "node:crypto";

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
