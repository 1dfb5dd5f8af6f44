import { ConfigError } from "../errors.js";
import { type ArrayFormat, encodeParams, type ParamObject } from "./params.js";
import type { PathParams } from "./path-params.js";

export type { PathParams };

/** `:name` (ballast, Express, Hono) or `{name}` (OpenAPI). */
const PLACEHOLDER = /:([A-Za-z_][A-Za-z0-9_]*)|\{([^{}/]+)\}/g;
const NAME_CHAR = /[A-Za-z0-9_]/;

/** Whether `template` has the placeholder `:key` or `{key}`; no allocation (this runs per call). */
function hasPlaceholder(template: string, key: string): boolean {
  for (let at = template.indexOf(key); at !== -1; at = template.indexOf(key, at + 1)) {
    const before = template.charCodeAt(at - 1);
    const after = template[at + key.length];
    if (before === 58 /* : */ && (after === undefined || !NAME_CHAR.test(after))) return true;
    if (before === 123 /* { */ && after === "}") return true;
  }
  return false;
}

/**
 * Refuses a `params` key the template has no placeholder for: it would be
 * dropped silently, and it is nearly always a query parameter (axios calls
 * the query `params`).
 */
export function checkParamKeys(template: string, params: PathParams): void {
  for (const key in params) {
    if (params[key] === undefined || hasPlaceholder(template, key)) continue;
    const names = Array.from(template.matchAll(PLACEHOLDER), (m) => m[1] ?? m[2]);
    const has = names.length === 0 ? "has no placeholder" : `has ${names.map((n) => `:${n}`).join(", ")}`;
    throw new ConfigError(
      `params.${key}`,
      `is not a placeholder of the path "${template}" (it ${has}), so it would be dropped; a query parameter goes in query: { ${key}: ... }`,
    );
  }
}

/**
 * Fills `/users/:id` (or `/users/{id}`) from `params`, URL-encoding each value.
 * A placeholder without a value is an error: a request to `/users/:id`
 * literally is never what anyone meant. So is a value of `""`, `.` or `..`,
 * which would address another resource (`/accounts/../charges` is `/charges`
 * to the server), and so is a key the template has no placeholder for.
 */
export function fillPath(template: string, params: PathParams | undefined): string {
  if (params !== undefined) checkParamKeys(template, params);
  if (template.indexOf(":") === -1 && template.indexOf("{") === -1) return template;
  return template.replace(PLACEHOLDER, (_, colon: string | undefined, brace: string | undefined) => {
    const name = (colon ?? brace) as string;
    const value = params?.[name];
    if (value === undefined) throw new ConfigError(`params.${name}`, `is required by the path "${template}"`);
    const text = String(value);
    // Encoding does not help: WHATWG URL parsers and nginx read "%2E%2E" as ".." too.
    if (text === "" || text === "." || text === "..")
      throw new ConfigError(`params.${name}`, `must not be ${JSON.stringify(text)}: it would move the request outside "${template}"`);
    return encodeURIComponent(text);
  });
}

/** Appends an encoded query to a path that may already have one. */
export function withQuery(path: string, query: ParamObject | URLSearchParams | undefined, format: ArrayFormat): string {
  if (query === undefined) return path;
  const qs = encodeParams(query, format);
  if (qs === "") return path;
  return path + (path.includes("?") ? "&" : "?") + qs;
}

/** Joins the base URL's path prefix (`/v1`) and a request path. */
export function joinPath(prefix: string, path: string): string {
  if (prefix === "") return path.startsWith("/") ? path : `/${path}`;
  return prefix + (path.startsWith("/") ? path : `/${path}`);
}
