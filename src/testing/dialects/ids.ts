import { randomBytes } from "node:crypto";

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** `prefix` + `length` random base62 characters (Stripe ids: `cus_...`, `pi_...`, `req_...`). */
export function base62Id(prefix: string, length = 24): string {
  const bytes = randomBytes(length);
  let out = prefix;
  for (const b of bytes) out += BASE62[b % 62];
  return out;
}

/** `prefix` + 32 hex digits (Twilio SIDs: `SM...`, `RQ...`). */
export function hexSid(prefix: string): string {
  return prefix + randomBytes(16).toString("hex");
}
