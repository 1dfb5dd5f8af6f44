/**
 * List every issue of a GitHub repository with `ballast/providers`.
 *
 *   npm run example -- github-issues
 *
 * It runs against the GitHub simulator of `ballast/testing`. Against the real API it is the same code
 * without the simulator, the token read from the environment:
 *
 *   // GITHUB_TOKEN=ghp_... node --import tsx app.ts
 *   import { github } from "ballast/providers";
 *
 *   const gh = github(); // GITHUB_TOKEN, X-GitHub-Api-Version pinned, x-ratelimit-* and secondary limits honoured
 *   // or as a GitHub App installation:
 *   //   github({ app: { appId: process.env.GITHUB_APP_ID!, privateKey: process.env.GITHUB_APP_PRIVATE_KEY!, installationId: process.env.GITHUB_INSTALLATION_ID! } })
 *   for await (const issue of gh.paginate<Issue>("/repos/:owner/:repo/issues", {
 *     params: { owner: "nodejs", repo: "undici" },
 *     query: { state: "all", per_page: 100 },
 *   })) {
 *     console.log(`#${issue.number} ${issue.state} ${issue.title}`);
 *   }
 *   await gh.close();
 */
import { isHttpError } from "ballast";
import { github } from "ballast/providers";
import { createApiSimulator } from "ballast/testing";

interface Issue {
  number: number;
  title: string;
  state: "open" | "closed";
  pull_request?: unknown;
}

const sim = await createApiSimulator({ provider: "github" });
const gh = github({ token: "ghp_16C7e42F292c6912E7710c838347Ae178B4a", baseUrl: sim.url });
const repo = { owner: "acme", repo: "widgets" };

try {
  // Something to list: the simulated repository comes into being with its first issue.
  for (const title of ["Crash on empty input", "Docs: retries", "Support Node 22", "Flaky test on CI", "Add a CHANGELOG"]) {
    await gh.post("/repos/:owner/:repo/issues", { params: repo, json: { title } });
  }
  await gh.patch("/repos/:owner/:repo/issues/:number", { params: { ...repo, number: "2" }, json: { state: "closed" } });

  // Every issue, open and closed, page after page by the Link header (2 a page here to show the paging).
  let pages = 0;
  let count = 0;
  for await (const page of gh.pages<Issue>("/repos/:owner/:repo/issues", { params: repo, query: { state: "all", per_page: 2 } })) {
    pages++;
    for (const issue of page.items) {
      count++;
      console.log(`#${issue.number} ${issue.state.padEnd(6)} ${issue.title}`);
    }
  }
  console.log(`issues listed: ${count} in ${pages} pages`);

  // The rate-limit headers GitHub sends with every answer; the client's limiter reads them.
  const { response } = await gh.get("/repos/:owner/:repo", { params: repo }).withResponse();
  console.log(`rate limit: ${response.headers["x-ratelimit-remaining"]} of ${response.headers["x-ratelimit-limit"]} left`);

  // A repository nobody wrote to does not exist: GitHub's 404 with its message.
  try {
    await gh.get("/repos/:owner/:repo/issues", { params: { owner: "acme", repo: "nothing-here" } });
  } catch (error) {
    if (!isHttpError(error)) throw error;
    console.log(`unknown repository: HTTP ${error.status}: ${error.apiMessage}`);
  }
} finally {
  await gh.close();
  await sim.close();
}
