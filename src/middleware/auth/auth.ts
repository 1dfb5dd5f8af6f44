import { trusted } from "../../compose.js";
import { ConfigError } from "../../errors.js";
import { addSecretParams } from "../../redact.js";
import type { Middleware } from "../../types.js";
import { withinAttempt } from "../../util/attempt-wait.js";
import { withEntry } from "../../util/copy.js";
import { type CredentialKey, fingerprint } from "../../util/fingerprint.js";

/**
 * A secret, or a function that returns the current one (called on every
 * attempt, so rotation is picked up). A function that returns a promise (a
 * vault, a secrets manager) is waited for no longer than the attempt may last.
 */
export type Secret = string | (() => string | Promise<string>);

function checkSecret(option: string, value: unknown): void {
  if (typeof value === "function") return;
  if (typeof value !== "string" || value === "") throw new ConfigError(option, "must be a non-empty string or a function returning one");
}

function resolve(secret: Secret): string | Promise<string> {
  return typeof secret === "function" ? secret() : secret;
}

/**
 * An auth middleware that names the credential it sends, never the secret:
 * `credential` is a fingerprint of a static secret, or a function giving the
 * key of the credential a request will carry (a fingerprint of what a secret
 * function returns, an OAuth connection id). `createClient` keys its cache by
 * it, and its rate limit by a static one. A custom auth middleware can set it
 * too; without it the cache counts the credential as unknown.
 */
export type AuthMiddleware = Middleware & { readonly credential: string | CredentialKey };

/** `m` with its `credential` property set. */
export function withCredential(m: Middleware, credential: string | CredentialKey): AuthMiddleware {
  return Object.assign(m, { credential });
}

/** `m` naming its secret: a fingerprint of the string, or of what the function returns (asked once more per call, by the cache). */
function withSecret(m: Middleware, secret: Secret, shown: (value: string) => string = (v) => v): AuthMiddleware {
  if (typeof secret === "string") return withCredential(m, fingerprint(shown(secret)));
  return withCredential(m, async () => fingerprint(shown(await secret())));
}

/** `Authorization: Bearer <token>`. */
export function bearer(token: Secret): AuthMiddleware {
  checkSecret("bearer(token)", token);
  if (typeof token === "string") {
    const value = `Bearer ${token}`;
    return withSecret(
      trusted(function bearerAuth(req, next) {
        return next({ ...req, headers: withEntry(req.headers, "authorization", value) });
      }),
      token,
    );
  }
  return withSecret(
    trusted(async function bearerAuth(req, next) {
      const { value: t, req: sending } = await withinAttempt(resolve(token), req);
      return next({ ...sending, headers: withEntry(sending.headers, "authorization", `Bearer ${t}`) });
    }),
    token,
  );
}

export type ApiKeyOptions = { value: Secret; header: string; query?: never } | { value: Secret; query: string; header?: never };

/** An API key in a header (`{ header: "x-api-key", value }`) or a query parameter (`{ query: "api_key", value }`). */
export function apiKey(options: ApiKeyOptions): AuthMiddleware {
  checkSecret("apiKey.value", options?.value);
  const { header, query } = options;
  if ((header === undefined) === (query === undefined)) throw new ConfigError("apiKey", "needs exactly one of header and query");
  if (header !== undefined) {
    if (typeof header !== "string" || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(header)) throw new ConfigError("apiKey.header", "must be a valid header name");
    const name = header.toLowerCase();
    const m = trusted(async function apiKeyAuth(req, next) {
      const { value: v, req: sending } = await withinAttempt(resolve(options.value), req);
      return next({ ...sending, headers: withEntry(sending.headers, name, v) });
    });
    return withSecret(m, options.value);
  }
  if (typeof query !== "string" || query === "") throw new ConfigError("apiKey.query", "must be a non-empty parameter name");
  addSecretParams(query);
  const param = encodeURIComponent(query);
  const m = trusted(async function apiKeyAuth(req, next) {
    const { value: v, req: sending } = await withinAttempt(resolve(options.value), req);
    const sep = sending.path.includes("?") ? "&" : "?";
    return next({ ...sending, path: `${sending.path}${sep}${param}=${encodeURIComponent(v)}` });
  });
  return withSecret(m, options.value);
}

export interface BasicOptions {
  username: string;
  password: Secret;
}

/** `Authorization: Basic base64(username:password)` (Twilio, Mailgun, many internal APIs). */
export function basic(options: BasicOptions): AuthMiddleware {
  if (typeof options?.username !== "string" || options.username === "") throw new ConfigError("basic.username", "must be a non-empty string");
  if (options.username.includes(":")) throw new ConfigError("basic.username", "must not contain ':' (RFC 7617)");
  if (typeof options.password !== "function" && typeof options.password !== "string")
    throw new ConfigError("basic.password", "must be a string or a function returning one");
  const encode = (password: string) => `Basic ${Buffer.from(`${options.username}:${password}`).toString("base64")}`;
  if (typeof options.password === "string") {
    const value = encode(options.password);
    return withSecret(
      trusted(function basicAuth(req, next) {
        return next({ ...req, headers: withEntry(req.headers, "authorization", value) });
      }),
      options.password,
      encode,
    );
  }
  const password = options.password;
  return withSecret(
    trusted(async function basicAuth(req, next) {
      const { value, req: sending } = await withinAttempt(password(), req);
      return next({ ...sending, headers: withEntry(sending.headers, "authorization", encode(value)) });
    }),
    password,
    encode,
  );
}
