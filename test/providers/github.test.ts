import { describe, expect, it, onTestFinished } from "vitest";
import { isConfigError, isHttpError, isRateLimitError } from "../../src/index.js";
import { github } from "../../src/providers/index.js";
import { createApiSimulator, createFakeClock } from "../../src/testing/index.js";
import { failureOf } from "../support/failure.js";
import { useSimulator } from "../support/simulator.js";
import { httpFailure, verifyingEndpoint } from "./support.js";

const TOKEN = "ghp_16C7e42F292c6912E7710c838347Ae178B4a";
type Issue = { number: number; title: string; state: string };

describe("github() against the GitHub dialect", () => {
  const env = useSimulator({ provider: "github" });

  it("reads GITHUB_TOKEN, sends it as bearer with the API version and GitHub's media type", async () => {
    const gh = github({ baseUrl: env.sim.url, env: { GITHUB_TOKEN: TOKEN } });
    onTestFinished(() => gh.close());
    await gh.post("/repos/:owner/:repo/issues", { params: { owner: "acme", repo: "api" }, json: { title: "first" } });
    const sent = env.sim.requests.at(-1)!;
    expect(sent.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(sent.headers["x-github-api-version"]).toBe("2022-11-28");
    expect(sent.headers.accept).toBe("application/vnd.github+json");
  });

  it("a missing token is a ConfigError naming GITHUB_TOKEN; token and app together are refused", () => {
    let error: unknown;
    try {
      github({ env: {} });
    } catch (e) {
      error = e;
    }
    expect(isConfigError(error)).toBe(true);
    expect((error as Error).message).toContain("GITHUB_TOKEN");
    expect(() => github({ token: TOKEN, app: { appId: 1, privateKey: "x", installationId: 2 } })).toThrow(/either token or app/);
    expect(() => github({ token: TOKEN, apiVersion: "v3" })).toThrow(/apiVersion/);
  });

  it("paginates every issue of a repository to the end by the Link header", async () => {
    const gh = github({ baseUrl: env.sim.url, token: TOKEN });
    onTestFinished(() => gh.close());
    for (let i = 1; i <= 7; i++) await gh.post("/repos/:owner/:repo/issues", { params: { owner: "acme", repo: "api" }, json: { title: `issue ${i}` } });
    const numbers: number[] = [];
    for await (const issue of gh.paginate<Issue>("/repos/:owner/:repo/issues", {
      params: { owner: "acme", repo: "api" },
      query: { per_page: 3, state: "all" },
    })) {
      numbers.push(issue.number);
    }
    expect(numbers).toEqual([7, 6, 5, 4, 3, 2, 1]);
    // The first page by name, the next ones by the repository id GitHub's Link headers use.
    const pages = env.sim.requests.filter((r) => r.method === "GET").map((r) => r.path);
    expect(pages).toHaveLength(3);
    expect(pages[0]).toBe("/repos/acme/api/issues");
    expect(pages.slice(1)).toEqual([expect.stringMatching(/^\/repositories\/\d+\/issues$/), expect.stringMatching(/^\/repositories\/\d+\/issues$/)]);
  });

  it("an unknown repository is an HttpError 404 with GitHub's message and documentation_url", async () => {
    const gh = github({ baseUrl: env.sim.url, token: TOKEN });
    onTestFinished(() => gh.close());
    const error = await httpFailure(gh.get("/repos/:owner/:repo", { params: { owner: "acme", repo: "nothing" } }));
    expect(isHttpError(error)).toBe(true);
    expect(error.status).toBe(404);
    expect(error.body).toMatchObject({ message: "Not Found", documentation_url: "https://docs.github.com/rest" });
    expect(error.apiMessage).toBe("Not Found");
    expect(error.apiDetails).toMatchObject({ documentation_url: "https://docs.github.com/rest" });
    expect(error.requestId).toMatch(/^\w+:\w+:\w+$/);
  });

  it("GitHub's error bodies become apiCode / apiMessage / apiDetails", async () => {
    const { githubApiError } = await import("../../src/providers/github.js");
    const info = githubApiError(
      {
        message: "Validation Failed",
        errors: [{ resource: "Issue", field: "title", code: "missing_field" }],
        documentation_url: "https://docs.github.com/rest/issues",
        status: "422",
      },
      { status: 422, headers: {} },
    );
    expect(info).toEqual({
      code: "missing_field",
      message: "Validation Failed (title missing_field)",
      details: {
        documentation_url: "https://docs.github.com/rest/issues",
        errors: [{ resource: "Issue", field: "title", code: "missing_field" }],
        status: "422",
      },
    });
    expect(githubApiError({ message: "Bad credentials", documentation_url: "https://docs.github.com/rest" }, { status: 401, headers: {} })).toEqual({
      message: "Bad credentials",
      details: { documentation_url: "https://docs.github.com/rest" },
    });
    expect(githubApiError("oops", { status: 502, headers: {} })).toBeUndefined();
    const gh = github({ baseUrl: env.sim.url, token: TOKEN });
    onTestFinished(() => gh.close());
    const error = await httpFailure(gh.post("/repos/:owner/:repo/issues", { params: { owner: "acme", repo: "api" }, json: { body: "no title" } }));
    expect(error.status).toBe(422);
    expect(error.apiCode).toBe("missing_field");
    expect(error.apiMessage).toBe("Validation Failed (title missing_field)");
    expect(error.apiDetails).toMatchObject({ documentation_url: "https://docs.github.com/rest", errors: [{ resource: "Issue", field: "title" }] });
    expect(error.message).toContain("Validation Failed");
  });

  it("a 502 burst on a GET is retried; a POST without an idempotency key is not", async () => {
    const gh = github({ baseUrl: env.sim.url, token: TOKEN, retry: { backoff: { base: 1, cap: 5 } } });
    onTestFinished(() => gh.close());
    await gh.post("/repos/:owner/:repo/issues", { params: { owner: "acme", repo: "api" }, json: { title: "x" } });
    env.sim.inject(502, { times: 2, method: "GET" });
    const issues = await gh.get<Issue[]>("/repos/:owner/:repo/issues", { params: { owner: "acme", repo: "api" } });
    expect(issues).toHaveLength(1);
    expect(env.sim.requests.filter((r) => r.method === "GET")).toHaveLength(3);
    env.sim.inject(502, { method: "POST" });
    const error = await httpFailure(gh.post("/repos/:owner/:repo/issues", { params: { owner: "acme", repo: "api" }, json: { title: "y" } }));
    expect(error.status).toBe(502);
    expect(error.body).toMatchObject({ message: "Bad Gateway" });
    expect(env.sim.issues("acme/api")).toHaveLength(1);
  });

  it("x-ratelimit-remaining: 0 with its epoch-second reset pauses the limiter: the next call fails fast without reaching GitHub", async () => {
    const limited = await createApiSimulator({ provider: "github", rateLimit: 2 });
    try {
      const gh = github({ baseUrl: limited.url, token: TOKEN, rateLimit: { limits: [{ requests: 5000, per: "1h", burst: 5000 }], maxWait: "50ms" } });
      limited.createRepository("acme/api");
      await gh.get("/repos/acme/api");
      await gh.get("/repos/acme/api");
      expect(limited.requests.at(-1)).toBeDefined();
      const last = await gh.raw({ path: "/repos/acme/api" }).catch((e: unknown) => e);
      expect(isRateLimitError(last)).toBe(true);
      expect(limited.requests).toHaveLength(2);
      await gh.close();
    } finally {
      await limited.close();
    }
  });

  it("a secondary rate limit (403 + retry-after) pauses every call of the key until retry-after", async () => {
    const gh = github({
      baseUrl: env.sim.url,
      token: TOKEN,
      retry: false,
      rateLimit: { limits: [{ requests: 5000, per: "1h", burst: 5000 }], maxWait: "50ms" },
    });
    onTestFinished(() => gh.close());
    env.sim.createRepository("acme/api");
    env.sim.secondaryRateLimit({ retryAfter: 30 });
    const first = await httpFailure(gh.get("/repos/acme/api"));
    expect(first.status).toBe(403);
    expect(first.headers["retry-after"]).toBe("30");
    expect(first.body).toMatchObject({ message: expect.stringContaining("secondary rate limit") });
    expect(isRateLimitError(await failureOf(gh.get("/repos/acme/api")))).toBe(true);
    expect(env.sim.requests).toHaveLength(1);
  });

  it("a write refused by a secondary rate limit is sent again after retry-after, and happens once", async () => {
    const gh = github({ baseUrl: env.sim.url, token: TOKEN });
    onTestFinished(() => gh.close());
    env.sim.secondaryRateLimit({ retryAfter: 1 });
    const issue = await gh.post<Issue>("/repos/:owner/:repo/issues", { params: { owner: "acme", repo: "api" }, json: { title: "after the wait" } });
    expect(issue.title).toBe("after the wait");
    expect(env.sim.requests).toHaveLength(2);
    expect(env.sim.issues("acme/api")).toHaveLength(1);
  });

  it("verifies the dialect's signed issues webhook with the github scheme", async () => {
    const endpoint = await verifyingEndpoint("github", "hook-secret", 204);
    const url = `${endpoint.origin}/hooks`;
    const gh = github({ baseUrl: env.sim.url, token: TOKEN });
    onTestFinished(() => gh.close());
    await gh.post("/repos/:owner/:repo/issues", { params: { owner: "acme", repo: "api" }, json: { title: "webhook me" } });
    expect((await env.sim.deliverWebhook({ url, secret: "hook-secret" })).status).toBe(204);
    expect(endpoint.seen[0]).toMatchObject({
      type: "issues.opened",
      event: { action: "opened", issue: { title: "webhook me" }, repository: { full_name: "acme/api" } },
    });
    expect((await env.sim.deliverWebhook({ url, secret: "hook-secret", tamper: true })).status).toBe(401);
    expect((await env.sim.deliverWebhook({ url, secret: "another-secret" })).status).toBe(401);
  });
});

describe("github({ app }): GitHub App installation tokens", () => {
  it("exchanges the app JWT once for many concurrent calls, renews before expiry and after a 401", async () => {
    const clock = createFakeClock(Date.parse("2026-12-02T06:00:00Z"));
    const sim = await createApiSimulator({ provider: "github", clock });
    try {
      const app = sim.createApp();
      const gh = github({ baseUrl: sim.url, app, clock, timeout: false });
      sim.createRepository("acme/api");
      const exchanges = () => sim.requests.filter((r) => r.path.startsWith("/app/installations/")).length;

      await Promise.all(Array.from({ length: 10 }, () => gh.get("/repos/acme/api")));
      expect(exchanges()).toBe(1);
      const exchange = sim.requests.find((r) => r.path.startsWith("/app/installations/"))!;
      expect(exchange.path).toBe(`/app/installations/${app.installationId}/access_tokens`);
      expect(exchange.headers.authorization).toMatch(/^Bearer eyJ/);
      const used = sim.requests.filter((r) => r.path === "/repos/acme/api").map((r) => r.headers.authorization);
      expect(new Set(used).size).toBe(1);
      expect(used[0]).toMatch(/^Bearer ghs_/);

      // 54 minutes on, the 1-hour token is still outside the 5-minute skew: reused.
      await clock.advance(54 * 60_000);
      await gh.get("/repos/acme/api");
      expect(exchanges()).toBe(1);
      // 56 minutes in: renewed before it expires.
      await clock.advance(2 * 60_000);
      await gh.get("/repos/acme/api");
      expect(exchanges()).toBe(2);

      // GitHub forgets the token (revoked): the 401 gets a new one and the call is sent once more.
      sim.reset();
      sim.createRepository("acme/api");
      const repo = await gh.get<{ full_name: string }>("/repos/acme/api");
      expect(repo.full_name).toBe("acme/api");
      expect(sim.requests.map((r) => r.path)).toEqual(["/repos/acme/api", `/app/installations/${app.installationId}/access_tokens`, "/repos/acme/api"]);
      await gh.close();
    } finally {
      await sim.close();
    }
  });

  it("a JWT signed with another key is refused by the dialect: the call fails with GitHub's 401", async () => {
    const sim = await createApiSimulator({ provider: "github" });
    try {
      const app = sim.createApp();
      const other = sim.createApp();
      const gh = github({ baseUrl: sim.url, app: { ...app, privateKey: other.privateKey } });
      const error = await httpFailure(gh.get("/repos/acme/api"));
      expect(error.status).toBe(401);
      expect(error.body).toMatchObject({ message: "A JSON web token could not be decoded" });
      expect(JSON.stringify(error)).not.toContain("PRIVATE KEY");
      await gh.close();
    } finally {
      await sim.close();
    }
  });

  it("an installation the app does not have is a 404 from the exchange", async () => {
    const sim = await createApiSimulator({ provider: "github" });
    try {
      const app = sim.createApp();
      const gh = github({ baseUrl: sim.url, app: { ...app, installationId: "999" } });
      expect((await httpFailure(gh.get("/repos/acme/api"))).status).toBe(404);
      await gh.close();
    } finally {
      await sim.close();
    }
  });
});
