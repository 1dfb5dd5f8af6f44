import type { SimRequest } from "../types.js";

/** The bearer token of a request, or the username of its basic credentials (Stripe accepts either). */
export function bearerOrBasicUser(req: SimRequest): string | undefined {
  const header = req.headers.authorization;
  if (typeof header !== "string") return undefined;
  if (/^bearer /i.test(header)) return header.slice(7).trim();
  return basicCredentials(req)?.username;
}

/** The username and password of `Authorization: Basic ...`. */
export function basicCredentials(req: SimRequest): { username: string; password: string } | undefined {
  const header = req.headers.authorization;
  if (typeof header !== "string" || !/^basic /i.test(header)) return undefined;
  const decoded = Buffer.from(header.slice(6).trim(), "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon === -1 ? { username: decoded, password: "" } : { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** A secret shown the way providers echo it in errors: the prefix and the last 4 characters. */
export function masked(secret: string): string {
  const underscore = secret.lastIndexOf("_");
  const prefix = underscore > 0 && underscore < 12 ? secret.slice(0, underscore + 1) : "";
  return `${prefix}****${secret.slice(-4)}`;
}
