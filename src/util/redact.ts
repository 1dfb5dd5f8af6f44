/** Placeholder written wherever a secret was. */
export const REDACTED = "[REDACTED]";

/** Query parameters that carry credentials in common APIs. Matched case-insensitively. */
const SECRET_PARAM =
  /^(?:api[-_]?key|key|token|access[-_]?token|refresh[-_]?token|id[-_]?token|client[-_]?secret|secret|password|passwd|pwd|sig|signature|auth|authorization|code|code[-_]?verifier|session|jwt|assertion)$/i;

/** Header names whose values are secrets. */
const SECRET_HEADER =
  /^(?:authorization|proxy-authorization|cookie|set-cookie|x-api-key|api-key|apikey|x-auth-token|x-access-token|private-token|x-csrf-token|x-xsrf-token)$|secret|token|password|signature|api[-_]?key/i;

export function isSecretHeader(name: string): boolean {
  return SECRET_HEADER.test(name);
}

export function isSecretParam(name: string, extra?: ReadonlySet<string>): boolean {
  return SECRET_PARAM.test(name) || (extra?.has(name.toLowerCase()) ?? false);
}

/**
 * Returns `url` with userinfo removed and the values of credential-like query
 * parameters replaced. Works on absolute URLs and on bare paths.
 */
export function redactUrl(url: string, extraParams?: ReadonlySet<string>): string {
  let out = url;
  // userinfo: scheme://user:pass@host
  out = out.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@?#]*@/i, `$1${REDACTED}@`);
  const q = out.indexOf("?");
  if (q === -1) return out;
  const hash = out.indexOf("#", q);
  const query = out.slice(q + 1, hash === -1 ? undefined : hash);
  const redacted = query
    .split("&")
    .map((pair) => {
      const eq = pair.indexOf("=");
      if (eq === -1) return pair;
      let name = pair.slice(0, eq);
      try {
        name = decodeURIComponent(name.replace(/\+/g, " "));
      } catch {}
      const bare = name.replace(/\[.*$/, "");
      return isSecretParam(bare, extraParams) ? `${pair.slice(0, eq)}=${REDACTED}` : pair;
    })
    .join("&");
  return `${out.slice(0, q)}?${redacted}${hash === -1 ? "" : out.slice(hash)}`;
}

/** A copy of `headers` with secret values replaced. */
export function redactHeaders<T extends Record<string, unknown>>(headers: T, extra?: ReadonlySet<string>): T {
  const out: Record<string, unknown> = {};
  for (const name in headers) {
    out[name] = isSecretHeader(name) || extra?.has(name.toLowerCase()) ? REDACTED : headers[name];
  }
  return out as T;
}

/** Deep copy of a JSON-like value with secret-looking fields (and `fields`) replaced. */
export function redactFields(value: unknown, fields?: ReadonlySet<string>, depth = 0): unknown {
  if (depth > 8 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => redactFields(v, fields, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = isSecretParam(k, fields) || fields?.has(k.toLowerCase()) ? REDACTED : redactFields(v, fields, depth + 1);
  }
  return out;
}
