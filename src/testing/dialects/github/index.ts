import type { JsonWebKey, KeyObject } from "node:crypto";
import { STATUS_CODES } from "node:http";
import { systemClock } from "../../../clock.js";
import { ConfigError } from "../../../errors.js";
import { type Duration, toMillis } from "../../../util/duration.js";
import type { ApiSimulator } from "../../simulator.js";
import type { Reply, SimRequest } from "../../types.js";
import { deliverWebhook, type WebhookDeliveryResult } from "../../webhook-delivery.js";
import { extendSimulator } from "../extend.js";
import { bearerToken, jsonBody, linkHeader, originOf, positiveInt, randomId } from "../http.js";
import { baseOptions, type Dialect, type DialectBaseOptions, type ProviderSimulator } from "../types.js";
import { AppRegistry, type GithubAppCredentials, type SimulatedApp } from "./apps.js";
import { PrimaryQuota, quotaHeaders } from "./quota.js";
import { type GithubIssue, type GithubRepository, RepositoryStore, user } from "./repositories.js";

export type { GithubAppCredentials } from "./apps.js";
export type { GithubIssue, GithubRepository, GithubUser } from "./repositories.js";

export interface GithubSimulatorOptions extends DialectBaseOptions {
  /** Requests per hour per token (default 5000). */
  rateLimit?: number;
  /** Requests per hour without a token (default 60). */
  unauthenticatedRateLimit?: number;
  /** How long installation tokens live (default `"1h"`, as on GitHub). */
  installationTokenTtl?: Duration;
  /** `X-GitHub-Api-Version` values accepted (default `["2022-11-28", "2026-03-10"]`); absent means the default version. */
  apiVersions?: readonly string[];
}

export interface SecondaryRateLimitOptions {
  /** Seconds in `retry-after` (default 60). */
  retryAfter?: number;
  /** How many requests get the answer (default 1). */
  times?: number;
  /** 403 (default, as GitHub mostly answers) or 429. */
  status?: 403 | 429;
}

export interface GithubWebhookOptions {
  /** Where to POST. */
  url: string;
  /** The webhook secret configured on the GitHub side. */
  secret: string;
  /** Default `"issues"`. */
  event?: "issues";
  /** Default `"opened"`. */
  action?: string;
  /** `owner/repo` whose issue to send: default the repository written to last. */
  repository?: string;
  /** The issue number (default the newest); an issue object to send as is. */
  issue?: number | GithubIssue;
  /** `X-GitHub-Delivery` (default a random UUID). */
  id?: string;
  /** Changes one byte of the body after signing. */
  tamper?: boolean;
  headers?: Record<string, string>;
}

/** What a test controls in the GitHub dialect. */
export interface GithubControls {
  /** Registers a GitHub App with a fresh RSA key and one installation: `github({ app })` takes what it returns. */
  createApp(): GithubAppCredentials;
  /** Registers an app whose key pair you hold. */
  registerApp(options: { appId: string | number; publicKey: string | KeyObject | JsonWebKey; installations?: ReadonlyArray<string | number> }): void;
  /** The next request(s) get GitHub's secondary rate limit answer (403 + `retry-after`). */
  secondaryRateLimit(options?: SecondaryRateLimitOptions): void;
  /** Creates a repository (repositories also come into being when an issue is written to them). */
  createRepository(fullName: string): GithubRepository;
  /** The issues of `owner/repo`, oldest first (undefined when the repository does not exist). */
  issues(fullName: string): readonly GithubIssue[] | undefined;
  /** Installation tokens issued so far. */
  readonly installationTokensIssued: number;
  /** Signs an `issues` event with the webhook secret as GitHub does (`X-Hub-Signature-256`) and POSTs it. */
  deliverWebhook(options: GithubWebhookOptions): Promise<WebhookDeliveryResult>;
}

/** `createApiSimulator({ provider: "github" })`: `reset()` also forgets repositories, tokens, quotas and armed secondary limits (apps stay). */
export interface GithubSimulator extends ProviderSimulator, GithubControls {
  readonly provider: "github";
}

const DOCS = "https://docs.github.com/rest";
/** Personal, OAuth, user-to-server, refresh and fine-grained tokens; classic 40-hex tokens. */
const TOKEN_SHAPE = /^(?:(?:ghp|gho|ghu|ghr)_[A-Za-z0-9]{20,255}|github_pat_[A-Za-z0-9_]{20,255}|[0-9a-f]{40})$/;

function error(status: number, message: string, headers: Record<string, string> = {}, extra?: Record<string, unknown>): Reply {
  return { status, headers, json: { message, documentation_url: DOCS, status: String(status), ...extra } };
}

/** Who is calling: a token, an app (by its JWT), or nobody (counted per connection). */
type Credential = { kind: "token"; key: string } | { kind: "app"; key: string; app: SimulatedApp } | { kind: "none"; key: string };

/** A status injected without a body, as GitHub would send it. */
export function githubErrorReply(status: number): Reply {
  return error(status, STATUS_CODES[status] ?? "Error");
}

/**
 * GitHub REST: issues and repositories with GitHub's paths, page/per_page
 * paging with `Link` headers, `x-ratelimit-*` on every response,
 * `{ message, documentation_url }` errors, secondary rate limits on demand,
 * and GitHub Apps (JWT → installation token).
 */
export const githubDialect: Dialect<GithubSimulatorOptions, GithubSimulator> = async (options, start) => {
  const sim = await start({ ...baseOptions(options), notFound: () => error(404, "Not Found"), errorReply: githubErrorReply });
  const { controls, resetState } = githubRoutes(sim, options);
  return extendSimulator(sim, "github", controls, resetState);
};

function githubRoutes(sim: ApiSimulator, options: GithubSimulatorOptions): { controls: GithubControls; resetState: () => void } {
  const clock = options.clock ?? systemClock;
  const now = () => clock.now();
  const limit = options.rateLimit ?? 5000;
  const anonLimit = options.unauthenticatedRateLimit ?? 60;
  for (const [name, v] of [
    ["rateLimit", limit],
    ["unauthenticatedRateLimit", anonLimit],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) throw new ConfigError(`github.${name}`, `must be a positive integer; got ${v}`);
  }
  const versions = new Set(options.apiVersions ?? ["2022-11-28", "2026-03-10"]);
  const repos = new RepositoryStore(now);
  const apps = new AppRegistry(now, toMillis(options.installationTokenTtl ?? "1h", "github.installationTokenTtl"));
  const quota = new PrimaryQuota(now, 3_600_000);
  let secondary: Required<SecondaryRateLimitOptions> | undefined;
  let lastWritten: string | undefined;

  function identify(req: SimRequest): Credential | Reply {
    const token = bearerToken(req);
    if (token === undefined) return req.headers.authorization === undefined ? { kind: "none", key: `ip:${req.connection}` } : error(401, "Bad credentials");
    if (token.startsWith("ghs_")) return apps.tokenStatus(token) === "valid" ? { kind: "token", key: token } : error(401, "Bad credentials");
    return TOKEN_SHAPE.test(token) ? { kind: "token", key: token } : error(401, "Bad credentials");
  }

  /** Version check, secondary limit, credential, primary quota, then the handler; every answer carries GitHub's headers. */
  function api(handler: (req: SimRequest, credential: Credential) => Reply | Promise<Reply>, auth: "token" | "app-jwt" = "token") {
    return async (req: SimRequest): Promise<Reply> => {
      const base: Record<string, string> = {
        "x-github-request-id": `${randomId(4)}:${randomId(6)}:${randomId(7)}`,
        "x-github-media-type": "github.v3; format=json",
      };
      const version = req.headers["x-github-api-version"];
      if (typeof version === "string") {
        if (!versions.has(version)) return withHeaders(error(400, `API version '${version}' is not supported.`), base);
        base["x-github-api-version-selected"] = version;
      } else base["x-github-api-version-selected"] = "2022-11-28";
      if (secondary) {
        const armed = secondary;
        if (--armed.times <= 0) secondary = undefined;
        const message = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.";
        return withHeaders(error(armed.status, message, { "retry-after": String(armed.retryAfter) }), base);
      }
      let credential: Credential;
      if (auth === "app-jwt") {
        const jwt = bearerToken(req);
        if (jwt === undefined) return withHeaders(error(401, "A JSON web token could not be decoded"), base);
        const checked = await apps.checkJwt(jwt);
        if (!checked.ok) return withHeaders(error(401, checked.message), base);
        credential = { kind: "app", key: `app:${checked.app.appId}`, app: checked.app };
      } else {
        const found = identify(req);
        if (!("kind" in found)) return withHeaders(found, base);
        credential = found;
      }
      const q = quota.take(credential.key, credential.kind === "none" ? anonLimit : limit);
      Object.assign(base, quotaHeaders(q));
      if (q.exceeded) return withHeaders(error(403, "API rate limit exceeded. Authenticated requests get a higher rate limit."), base);
      return withHeaders(await handler(req, credential), base);
    };
  }

  function requireToken(credential: Credential): Reply | undefined {
    return credential.kind === "none" ? error(401, "Requires authentication") : undefined;
  }

  function listIssues(req: SimRequest, issues: readonly GithubIssue[], repoId: number): Reply {
    const perPage = Math.min(positiveInt(req.query.per_page, 30) ?? 30, 100);
    const page = positiveInt(req.query.page, 1) ?? 1;
    const state = req.query.state ?? "open";
    if (!["open", "closed", "all"].includes(state))
      return error(422, "Validation Failed", {}, { errors: [{ resource: "Issue", field: "state", code: "invalid" }] });
    const matching = state === "all" ? issues : issues.filter((i) => i.state === state);
    // GitHub lists newest first.
    const ordered = [...matching].reverse();
    const last = Math.max(1, Math.ceil(ordered.length / perPage));
    const at = (p: number) => {
      const params = new URLSearchParams(req.searchParams);
      params.set("per_page", String(perPage));
      params.set("page", String(p));
      return `${originOf(req, sim.url)}/repositories/${repoId}/issues?${params}`;
    };
    const link = linkHeader({
      prev: page > 1 ? at(Math.min(page - 1, last)) : undefined,
      next: page < last ? at(page + 1) : undefined,
      last: page < last ? at(last) : undefined,
      first: page > 1 ? at(1) : undefined,
    });
    return { headers: link ? { link } : {}, json: ordered.slice((page - 1) * perPage, page * perPage) };
  }

  sim.route(
    "GET",
    "/repos/:owner/:repo",
    api((req) => {
      const repo = repos.get(req.params.owner!, req.params.repo!);
      return repo ? { json: repo.data } : error(404, "Not Found");
    }),
  );

  sim.route(
    "GET",
    "/repos/:owner/:repo/issues",
    api((req) => {
      const repo = repos.get(req.params.owner!, req.params.repo!);
      return repo ? listIssues(req, repo.issues, repo.data.id) : error(404, "Not Found");
    }),
  );

  sim.route(
    "GET",
    "/repositories/:id/issues",
    api((req) => {
      const repo = repos.byId(Number(req.params.id));
      return repo ? listIssues(req, repo.issues, repo.data.id) : error(404, "Not Found");
    }),
  );

  sim.route(
    "POST",
    "/repos/:owner/:repo/issues",
    api((req, credential) => {
      const refused = requireToken(credential);
      if (refused) return refused;
      const input = jsonBody(req);
      if (input === undefined || typeof input !== "object" || input === null || Array.isArray(input)) return error(400, "Problems parsing JSON");
      const { title, body, labels } = input as { title?: unknown; body?: unknown; labels?: unknown };
      if (typeof title !== "string" || title === "")
        return error(422, "Validation Failed", {}, { errors: [{ resource: "Issue", field: "title", code: "missing_field" }] });
      const repo = repos.ensure(req.params.owner!, req.params.repo!);
      lastWritten = repo.data.full_name;
      const labelNames = Array.isArray(labels) ? labels.map((l) => (typeof l === "string" ? l : String((l as { name?: unknown })?.name))) : [];
      const issue = repos.createIssue(repo, { title, body: typeof body === "string" ? body : null, labels: labelNames, author: req.params.owner! });
      return { status: 201, headers: { location: issue.url }, json: issue };
    }),
  );

  sim.route(
    "GET",
    "/repos/:owner/:repo/issues/:number",
    api((req) => {
      const issue = repos.get(req.params.owner!, req.params.repo!)?.issues[Number(req.params.number) - 1];
      return issue ? { json: issue } : error(404, "Not Found");
    }),
  );

  sim.route(
    "PATCH",
    "/repos/:owner/:repo/issues/:number",
    api((req, credential) => {
      const refused = requireToken(credential);
      if (refused) return refused;
      const issue = repos.get(req.params.owner!, req.params.repo!)?.issues[Number(req.params.number) - 1];
      if (!issue) return error(404, "Not Found");
      const input = (jsonBody(req) ?? {}) as { title?: unknown; body?: unknown; state?: unknown };
      if (input.state !== undefined && input.state !== "open" && input.state !== "closed")
        return error(422, "Validation Failed", {}, { errors: [{ resource: "Issue", field: "state", code: "invalid" }] });
      if (typeof input.title === "string") issue.title = input.title;
      if (typeof input.body === "string") issue.body = input.body;
      if (input.state !== undefined && input.state !== issue.state) {
        issue.state = input.state;
        issue.closed_at = input.state === "closed" ? new Date(now()).toISOString() : null;
        issue.state_reason = input.state === "closed" ? "completed" : "reopened";
      }
      issue.updated_at = new Date(now()).toISOString();
      return { json: issue };
    }),
  );

  sim.route(
    "POST",
    "/app/installations/:id/access_tokens",
    api((req, credential) => {
      const installationId = req.params.id!;
      if (credential.kind !== "app" || !credential.app.installations.has(installationId)) return error(404, "Not Found");
      const { token, expiresAt } = apps.issueToken(installationId);
      return {
        status: 201,
        json: {
          token,
          expires_at: new Date(expiresAt).toISOString().replace(/\.\d{3}Z$/, "Z"),
          permissions: { issues: "write", metadata: "read" },
          repository_selection: "all",
        },
      };
    }, "app-jwt"),
  );

  const controls: GithubControls = {
    createApp: () => apps.create(),
    registerApp(o) {
      apps.register(o);
    },
    secondaryRateLimit(o = {}) {
      const times = o.times ?? 1;
      if (!Number.isInteger(times) || times < 1) throw new ConfigError("secondaryRateLimit.times", `must be a positive integer; got ${times}`);
      secondary = { retryAfter: o.retryAfter ?? 60, times, status: o.status ?? 403 };
    },
    createRepository(fullName) {
      const [owner, name, ...rest] = fullName.split("/");
      if (!owner || !name || rest.length > 0) throw new ConfigError("fullName", `must be "owner/repo"; got ${JSON.stringify(fullName)}`);
      return repos.ensure(owner, name).data;
    },
    issues(fullName) {
      const [owner = "", name = ""] = fullName.split("/");
      return repos.get(owner, name)?.issues;
    },
    get installationTokensIssued() {
      return apps.tokensIssued;
    },
    deliverWebhook(o) {
      const fullName = o.repository ?? lastWritten;
      if (fullName === undefined && (o.issue === undefined || typeof o.issue === "number"))
        throw new ConfigError("repository", "is required: no issue has been written to any repository yet");
      const [owner = "octocat", name = "hello-world"] = (fullName ?? "octocat/hello-world").split("/");
      const repo = repos.ensure(owner, name);
      const issue =
        typeof o.issue === "object"
          ? o.issue
          : ((o.issue === undefined ? repo.issues.at(-1) : repo.issues[o.issue - 1]) ?? repos.createIssue(repo, { title: "Found a bug", author: owner }));
      const payload = { action: o.action ?? "opened", issue, repository: repo.data, sender: user(owner, 1) };
      return deliverWebhook({
        url: o.url,
        scheme: "github",
        secret: o.secret,
        payload,
        type: o.event ?? "issues",
        ...(o.id !== undefined && { id: o.id }),
        ...(o.tamper !== undefined && { tamper: o.tamper }),
        headers: { "user-agent": "GitHub-Hookshot/ballast-sim", "x-github-hook-id": "1", ...o.headers },
        clock,
      });
    },
  };
  function resetState(): void {
    repos.clear();
    apps.clearTokens();
    quota.clear();
    secondary = undefined;
    lastWritten = undefined;
  }
  return { controls, resetState };
}

function withHeaders(reply: Reply, headers: Record<string, string>): Reply {
  return { ...reply, headers: { ...headers, ...reply.headers } };
}
