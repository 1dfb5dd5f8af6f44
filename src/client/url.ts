import { ConfigError } from "../errors.js";
import { type ArrayFormat, encodeParams, type ParamObject } from "./params.js";

export type PathParams = Readonly<Record<string, string | number | boolean | bigint>>;

const PARAM = /:([A-Za-z_][A-Za-z0-9_]*)/g;

/**
 * Fills `/users/:id` from `params`, URL-encoding each value. A placeholder
 * without a value is an error: a request to `/users/:id` literally is never what
 * anyone meant. So is a value of `""`, `.` or `..`, which would address another
 * resource (`/accounts/../charges` is `/charges` to the server).
 */
export function fillPath(template: string, params: PathParams | undefined): string {
  if (!template.includes(":")) return template;
  return template.replace(PARAM, (_, name: string) => {
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
