import { RequestError } from "@octokit/request-error";
import { Octokit } from "@octokit/rest";
import { beforeAll, describe, expect, it } from "vitest";
import { useSimulator } from "../../support/simulator.js";

// Fidelity: the official SDK, unchanged but for its base URL, runs its normal calls against the dialect.
describe("@octokit/rest against the GitHub dialect", () => {
  // The tests build on each other: issues created first are read later.
  const env = useSimulator({ provider: "github", keep: "all" });
  let octokit: Octokit;

  beforeAll(() => {
    octokit = new Octokit({ baseUrl: env.sim.url, auth: "ghp_16C7e42F292c6912E7710c838347Ae178B4a" });
  });

  it("creates issues, then octokit.paginate follows the Link headers to every one of them", async () => {
    for (let i = 1; i <= 7; i++) {
      const { data, status } = await octokit.rest.issues.create({ owner: "octo-org", repo: "widgets", title: `Bug ${i}`, body: "It broke", labels: ["bug"] });
      expect(status).toBe(201);
      expect(data).toMatchObject({ number: i, title: `Bug ${i}`, state: "open", labels: [{ name: "bug" }] });
    }
    const all = await octokit.paginate(octokit.rest.issues.listForRepo, { owner: "octo-org", repo: "widgets", per_page: 3 });
    expect(all.map((i) => i.number)).toEqual([7, 6, 5, 4, 3, 2, 1]);
    const pagesSeen = env.sim.requests.filter((r) => r.method === "GET" && r.path.endsWith("/issues")).length;
    expect(pagesSeen).toBe(3);
  });

  it("reads a repository that was written to; an unknown one is a 404 RequestError with GitHub's message", async () => {
    const { data } = await octokit.rest.repos.get({ owner: "octo-org", repo: "widgets" });
    expect(data.full_name).toBe("octo-org/widgets");
    const failure = await octokit.rest.repos.get({ owner: "octo-org", repo: "nothing-here" }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(RequestError);
    expect((failure as RequestError).status).toBe(404);
    expect((failure as RequestError).message).toMatch(/Not Found/);
    expect((failure as RequestError).response?.headers["x-ratelimit-remaining"]).toMatch(/^\d+$/);
  });

  it("a wrong token is refused with 401 Bad credentials", async () => {
    const bad = new Octokit({ baseUrl: env.sim.url, auth: "not-a-github-token" });
    const failure = await bad.rest.issues.listForRepo({ owner: "octo-org", repo: "widgets" }).catch((e: unknown) => e);
    expect((failure as RequestError).status).toBe(401);
    expect((failure as RequestError).message).toMatch(/Bad credentials/);
  });

  it("a missing title is GitHub's 422 Validation Failed", async () => {
    const failure = await octokit
      .request("POST /repos/{owner}/{repo}/issues", { owner: "octo-org", repo: "widgets", body: "no title" } as never)
      .catch((e: unknown) => e);
    expect((failure as RequestError).status).toBe(422);
    expect((failure as RequestError).response?.data).toMatchObject({ message: "Validation Failed", errors: [{ field: "title", code: "missing_field" }] });
  });

  it("updates an issue and lists by state", async () => {
    await octokit.rest.issues.update({ owner: "octo-org", repo: "widgets", issue_number: 2, state: "closed" });
    const closed = await octokit.paginate(octokit.rest.issues.listForRepo, { owner: "octo-org", repo: "widgets", state: "closed" });
    expect(closed.map((i) => i.number)).toEqual([2]);
    expect(env.sim.issues("octo-org/widgets")?.filter((i) => i.state === "open")).toHaveLength(6);
  });
});
