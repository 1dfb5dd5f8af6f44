import { ConfigError } from "../errors.js";

/** A value for one cookie; written as a string, percent-encoded. */
export type CookieValue = string | number | boolean;

// A cookie name is an HTTP token (RFC 6265 §4.1.1).
const COOKIE_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * The `cookie` header of a call's `cookies` option: `name=value` pairs joined
 * by `; `, each value percent-encoded (the OpenAPI `form` style for a cookie
 * parameter), after the cookies of a `cookie` header already set. Undefined
 * values are left out.
 */
export function cookieHeader(cookies: Readonly<Record<string, CookieValue | undefined>>, existing: string | undefined): string | undefined {
  if (cookies === null || typeof cookies !== "object") throw new ConfigError("cookies", "must be an object of cookie names to values");
  const pairs: string[] = existing === undefined || existing === "" ? [] : [existing];
  for (const name in cookies) {
    const v = cookies[name];
    if (v === undefined) continue;
    if (!COOKIE_NAME.test(name)) throw new ConfigError(`cookies.${name}`, "is not a valid cookie name");
    if (typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean")
      throw new ConfigError(`cookies.${name}`, `must be a string, number or boolean; got ${v === null ? "null" : typeof v}`);
    pairs.push(`${name}=${encodeURIComponent(String(v))}`);
  }
  return pairs.length === 0 ? undefined : pairs.join("; ");
}
