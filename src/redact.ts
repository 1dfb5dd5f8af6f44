/** Placeholder written wherever a secret was. */
export const REDACTED = "[REDACTED]";

/**
 * Query parameter (and body field) names that carry credentials in real APIs,
 * matched case-insensitively: exact short names (`key`, `sig`, Azure SAS `se`/`sv`,
 * OAuth `code`, `session_id`, HubSpot `hapikey`, ...) and any name containing a
 * credential word (`api_token`, `oauth_signature`, `X-Amz-Security-Token`,
 * `x-goog-credential`, `client_assertion`, `subject_token`, ...).
 */
const SECRET_PARAM_EXACT = /^(?:key|sig|se|sv|code|auth|session|session[-_]?id|jwt|pwd|hapikey)$/i;
const SECRET_PARAM_PART =
  /token|secret|passw(?:or)?d|signature|credential|authorization|api[-_]?key|access[-_]?key|private[-_]?key|assertion|code[-_]?verifier/i;
/** Names that contain a credential word but are not secrets: pagination cursors and token counts. */
const NOT_SECRET_PARAM =
  /^(?:(?:next[-_]?)?page[-_]?token|next[-_]?token|continuation[-_]?token|sync[-_]?token|(?:max|total|prompt|completion|input|output)[-_]?tokens|token[-_]?type)$/i;

/** Names added with `addSecretParams` (lower case), redacted everywhere ballast prints a URL or a body. */
const addedSecretParams = new Set<string>();

/** Header names whose values are secrets. */
const SECRET_HEADER =
  /^(?:authorization|proxy-authorization|cookie|set-cookie|x-api-key|api-key|apikey|x-auth-token|x-access-token|private-token|x-csrf-token|x-xsrf-token)$|secret|token|password|signature|credential|authorization|api[-_]?key/i;

export function isSecretHeader(name: string): boolean {
  return SECRET_HEADER.test(name);
}

export function isSecretParam(name: string, extra?: ReadonlySet<string>): boolean {
  if (addedSecretParams.size > 0 || extra !== undefined) {
    const lower = name.toLowerCase();
    if (addedSecretParams.has(lower) || extra?.has(lower)) return true;
  }
  return SECRET_PARAM_EXACT.test(name) || (SECRET_PARAM_PART.test(name) && !NOT_SECRET_PARAM.test(name));
}

/**
 * Adds query parameter / body field names to redact in every URL, error and log
 * line ballast writes, process-wide (`apiKey({ query })` adds its own name).
 * Names are matched case-insensitively; the list only grows.
 */
export function addSecretParams(...names: string[]): void {
  for (const n of names) {
    if (typeof n === "string" && n !== "") addedSecretParams.add(n.toLowerCase());
  }
}

const SECRET_IN_TEXT =
  /([\w.-]*(?:token|secret|passw(?:or)?d|api[-_]?key|apikey|authorization|signature|credential|assertion)"?\s*[:=]\s*"?)(?:(?:Bearer|Basic|Token|Digest)\s+)?[^"&,\s}]+/gi;

/** `text` with the values of secret-looking `name=value` / `"name": "value"` pairs replaced. */
export function redactText(text: string): string {
  return text.replace(SECRET_IN_TEXT, `$1${REDACTED}`);
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

/** Fields of an API error's details that name the error: kept in `apiDetails` although `code` is also an OAuth secret's name. */
export const ERROR_DETAIL_FIELDS: ReadonlySet<string> = new Set(["code"]);

/**
 * Deep copy of a JSON-like value with secret-looking fields (and `fields`)
 * replaced. `shown` names fields kept although their name looks secret (an
 * API error's `code` is an error code, not an OAuth authorization code).
 */
export function redactFields(value: unknown, fields?: ReadonlySet<string>, shown?: ReadonlySet<string>): unknown {
  return redactDeep(value, fields, shown, 0);
}

function redactDeep(value: unknown, fields: ReadonlySet<string> | undefined, shown: ReadonlySet<string> | undefined, depth: number): unknown {
  if (depth > 8 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, fields, shown, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    // `shown` overrides the guess by name only: a name the user added (`addSecretParams`, `fields`) is always redacted.
    const named = fields?.has(k.toLowerCase()) === true || (addedSecretParams.size > 0 && addedSecretParams.has(k.toLowerCase()));
    const secret = named || (!shown?.has(k) && isSecretParam(k, fields));
    // defineProperty, not assignment: a field named "__proto__" stays data and never swaps the copy's prototype.
    Object.defineProperty(out, k, {
      value: secret ? REDACTED : redactDeep(v, fields, shown, depth + 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}
