import { ConfigError } from "../errors.js";

/**
 * Path templates: `/users/:id` (one segment per `:name`; `:sid.json` for a segment that ends in `.json`), and a trailing `/*`
 * that matches the rest of the path (as `params["*"]`). A trailing slash is
 * ignored on both sides. Parameters are percent-decoded.
 */
export type PathMatcher = (path: string) => Record<string, string> | undefined;

const NONE: Record<string, string> = Object.freeze({}) as Record<string, string>;

function trimSlash(path: string): string {
  return path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export function compilePathTemplate(template: string): PathMatcher {
  if (!template.startsWith("/")) throw new ConfigError("path", `must start with "/", got "${template}"`);
  const wanted = trimSlash(template);
  if (!wanted.includes(":") && !wanted.includes("*")) return (path) => (trimSlash(path) === wanted ? NONE : undefined);

  const parts = wanted.split("/");
  const rest = parts[parts.length - 1] === "*";
  if (rest) parts.pop();
  return (path) => {
    const got = trimSlash(path).split("/");
    if (rest ? got.length < parts.length : got.length !== parts.length) return undefined;
    const params: Record<string, string> = {};
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      const seg = got[i]!;
      if (part.startsWith(":")) {
        const dot = part.indexOf(".");
        if (dot === -1) {
          if (seg === "") return undefined;
          params[part.slice(1)] = decode(seg);
        } else {
          const suffix = part.slice(dot);
          if (seg.length <= suffix.length || !seg.endsWith(suffix)) return undefined;
          params[part.slice(1, dot)] = decode(seg.slice(0, -suffix.length));
        }
      } else if (part !== seg) return undefined;
    }
    if (rest) params["*"] = got.slice(parts.length).map(decode).join("/");
    return params;
  };
}
