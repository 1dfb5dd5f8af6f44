import { randomBytes } from "node:crypto";
import type { SimRequest } from "../types.js";

/** The request's parameters from its body (JSON object or form) merged over its query string, as APIs that accept both read them. */
export function requestParams(req: SimRequest): Record<string, unknown> {
  const out: Record<string, unknown> = { ...req.query };
  if (req.body.length === 0) return out;
  const type = String(req.headers["content-type"] ?? "").toLowerCase();
  if (type.startsWith("application/x-www-form-urlencoded")) {
    for (const [k, v] of req.form()) out[k] = v;
    return out;
  }
  const json = jsonBody(req);
  if (json !== undefined && typeof json === "object" && json !== null && !Array.isArray(json)) Object.assign(out, json);
  return out;
}

/** The body as JSON, or undefined when it is empty or not JSON. */
export function jsonBody(req: SimRequest): unknown {
  try {
    return req.json();
  } catch {
    return undefined;
  }
}

/** `http://host:port` as the client addressed the simulator (absolute links in `Link` headers point back at it). */
export function originOf(req: SimRequest, fallback: string): string {
  const host = req.headers.host;
  return typeof host === "string" && host !== "" ? `http://${host}` : fallback;
}

/** An RFC 8288 `Link` header from `rel` → URL (entries without a URL are left out). */
export function linkHeader(links: Record<string, string | undefined>): string | undefined {
  const parts = Object.entries(links)
    .filter(([, url]) => url !== undefined)
    .map(([rel, url]) => `<${url}>; rel="${rel}"`);
  return parts.length === 0 ? undefined : parts.join(", ");
}

/** The bearer credential of a request: `Authorization: Bearer X` or `token X`. */
export function bearerToken(req: SimRequest): string | undefined {
  const value = req.headers.authorization;
  if (typeof value !== "string") return undefined;
  const m = /^(?:bearer|token)\s+(\S+)\s*$/i.exec(value);
  return m?.[1];
}

/** A random id of `length` characters from `alphabet` (ids and tokens of the provider's shape). */
export function randomId(length: number, alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"): string {
  const bytes = randomBytes(length);
  let out = "";
  for (let i = 0; i < length; i++) out += alphabet[bytes[i]! % alphabet.length];
  return out;
}

/** A positive integer query parameter, `fallback` when absent, `undefined` when malformed. */
export function positiveInt(value: unknown, fallback: number): number | undefined {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  return Number.isInteger(n) && n >= 1 ? n : undefined;
}
