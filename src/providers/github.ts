import { ConfigError } from "../errors.js";
import { bearer } from "../middleware/auth/auth.js";
import { linkHeader } from "../pagination/link-header.js";
import type { Middleware } from "../types.js";
import { type ProviderClient, providerClient } from "./client.js";
import { credential, envOf } from "./credentials.js";
import { isRecord, pick, text } from "./fields.js";
import { type GithubAppCredentials, githubAppAuth, type InstallationToken } from "./github-app.js";
import type { ApiErrorReader, ProviderClientOptions, ProviderProfile } from "./profile.js";

/** The REST API version sent as `X-GitHub-Api-Version` unless `apiVersion` says otherwise. */
export const GITHUB_API_VERSION = "2022-11-28";

export interface GithubOptions extends ProviderClientOptions {
  /** A personal access token, OAuth token or any GitHub token. Default: `GITHUB_TOKEN`. */
  token?: string;
  /** Act as a GitHub App installation instead: its JWT is exchanged for installation tokens (see docs/providers.md). */
  app?: GithubAppCredentials;
  /** `X-GitHub-Api-Version` (default {@link GITHUB_API_VERSION}). */
  apiVersion?: string;
}

/**
 * `{ message, documentation_url, errors?: [{ resource, field, code }] }` → apiMessage (the message, with the
 * fields of validation errors), apiCode (the first validation error's `code`, e.g. `missing_field`), apiDetails.
 */
export const githubApiError: ApiErrorReader = (body) => {
  if (!isRecord(body)) return undefined;
  const message = text(body.message);
  if (message === undefined) return undefined;
  const errors = Array.isArray(body.errors) ? body.errors.filter(isRecord) : [];
  const fields = errors.map((e) => [text(e.field), text(e.code)].filter(Boolean).join(" ")).filter((s) => s !== "");
  const code = errors.map((e) => text(e.code)).find((c) => c !== undefined);
  return {
    ...(code !== undefined && { code }),
    message: fields.length > 0 ? `${message} (${fields.join(", ")})` : message,
    details: pick(body, ["documentation_url", "errors", "status"]),
  };
};

/** GitHub lists: follow `Link: <...>; rel="next"` (absolute URLs on the API origin). */
export function githubList() {
  return linkHeader<unknown>();
}

/**
 * GitHub REST: a token (or a GitHub App installation token) as bearer, `X-GitHub-Api-Version`,
 * `application/vnd.github+json`, errors `{ message, documentation_url, errors }`, `Link` pagination,
 * `x-ratelimit-*` (reset in epoch seconds) and secondary rate limits (403 + `retry-after`) pausing the
 * limiter, 5000 requests an hour, `github` webhooks. `auth` is the installation token's when `app` is
 * given (only `github()` can build that: the token exchange goes through the client).
 */
export function githubProfile(options: GithubOptions = {}, appAuth?: Middleware): ProviderProfile {
  if (options.app !== undefined && options.token !== undefined) throw new ConfigError("app", "pass either token or app, not both");
  if (options.app !== undefined && appAuth === undefined) throw new ConfigError("app", "is wired by github(): use github({ app }) for GitHub App auth");
  const auth = appAuth ?? bearer(credential(options.token, "token", ["GITHUB_TOKEN"], envOf(options)));
  const apiVersion = options.apiVersion ?? GITHUB_API_VERSION;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(apiVersion))
    throw new ConfigError("apiVersion", `must be a date such as ${GITHUB_API_VERSION}; got ${JSON.stringify(apiVersion)}`);
  return {
    name: "github",
    baseUrl: "https://api.github.com",
    auth,
    headers: { accept: "application/vnd.github+json", "x-github-api-version": apiVersion },
    apiError: githubApiError,
    // The primary limit is an hourly quota that may be spent at once; the limiter also pauses on
    // x-ratelimit-remaining: 0 until x-ratelimit-reset, and on secondary limits until retry-after.
    rateLimit: { limits: [{ requests: 5000, per: "1h", burst: 5000 }] },
    pagination: githubList,
    requestIdHeaders: ["x-github-request-id"],
    webhookScheme: "github",
  };
}

/** A ballast `Client` for the GitHub REST API, with a token or as a GitHub App installation. Every `createClient` option applies on top. */
export function github(options: GithubOptions = {}): ProviderClient {
  const { token: _t, app, apiVersion: _v, ...rest } = options;
  if (app === undefined) return providerClient(githubProfile(options), rest);
  // The exchange goes through the same client (pool, retries, timeouts), authenticated as the app.
  let asApp: ProviderClient | undefined;
  const exchange = (installationId: string, signal: AbortSignal) =>
    (asApp as ProviderClient).post<InstallationToken>("/app/installations/:id/access_tokens", { params: { id: installationId }, signal });
  const installation = githubAppAuth(app, exchange, options.clock);
  const client = providerClient(githubProfile(options, installation.auth), rest);
  asApp = client.extend({ auth: installation.appAuth });
  return client;
}
