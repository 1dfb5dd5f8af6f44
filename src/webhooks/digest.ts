import { createHmac, timingSafeEqual } from "node:crypto";
import type { SchemeKey } from "./types.js";

/**
 * HMAC of `prefix + payload + suffix`, fed in order without concatenating,
 * encoded straight from the digest (no intermediate Buffer).
 */
export function hmac(algorithm: string, key: SchemeKey, encoding: "hex" | "base64" | "base64url", payload: Buffer, prefix = "", suffix = ""): string {
  const mac = createHmac(algorithm, key);
  if (prefix !== "") mac.update(prefix);
  mac.update(payload);
  if (suffix !== "") mac.update(suffix);
  return mac.digest(encoding);
}

/**
 * Constant-time equality of two strings, compared as UTF-8 bytes (so distinct
 * strings never compare equal). Different lengths are unequal at once: lengths are public.
 */
export function safeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  return safeEqualBytes(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/** Constant-time equality of two byte strings. */
export function safeEqualBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
