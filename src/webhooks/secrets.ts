import { ConfigError } from "../errors.js";
import type { WebhookSecret } from "./types.js";

/**
 * The secrets given as `secret`, checked: each a string with something other
 * than whitespace, or non-empty bytes; a list needs at least one. Anything
 * else (`null`, a number, an object) is a `ConfigError`, never a `TypeError` later.
 */
export function secretList(secret: unknown, option = "secret"): readonly WebhookSecret[] {
  const list = typeof secret === "string" || secret instanceof Uint8Array ? [secret] : Array.isArray(secret) ? secret : undefined;
  if (list === undefined || list.length === 0) throw new ConfigError(option, "must be a non-empty string or bytes, or a non-empty list of them");
  for (const s of list) {
    if (typeof s === "string" ? s.trim() === "" : !(s instanceof Uint8Array) || s.length === 0)
      throw new ConfigError(option, "must be a non-empty string (not only whitespace) or non-empty bytes");
  }
  return list as WebhookSecret[];
}
