/**
 * A client typed by a slice of GitHub's published OpenAPI document (see
 * fixtures/slice-github.ts). `./generated/github.js` is generated at test time
 * by openapi-typescript; typechecked by openapi-types.test.ts, excluded from `npm run typecheck`.
 */
import { createClient, cursor, linkHeader } from "ballast";
import { expectTypeOf } from "vitest";
import type { components, paths } from "./generated/github.js";

type Issue = components["schemas"]["issue"];
const gh = createClient<paths>({ baseUrl: "https://api.github.com" });
const repo = { owner: "octocat", repo: "hello-world" };

expectTypeOf(gh.get("/repos/{owner}/{repo}/issues", { params: repo, query: { state: "open", per_page: 50 } })).resolves.toEqualTypeOf<Issue[]>();
expectTypeOf(gh.get("/repos/{owner}/{repo}/issues/{issue_number}", { params: { ...repo, issue_number: 1 } })).resolves.toEqualTypeOf<Issue>();
expectTypeOf(gh.post("/repos/{owner}/{repo}/issues", { params: repo, json: { title: "Found a bug", labels: ["bug"] } })).resolves.toEqualTypeOf<Issue>();
expectTypeOf(
  gh.patch("/repos/{owner}/{repo}/issues/{issue_number}", { params: { ...repo, issue_number: 1 }, json: { state: "closed" } }),
).resolves.toHaveProperty("state_reason");
// 204 No Content: resolves to undefined.
expectTypeOf(gh.put("/repos/{owner}/{repo}/issues/{issue_number}/lock", { params: { ...repo, issue_number: 1 } })).resolves.toEqualTypeOf<undefined>();
// text/html: a string.
expectTypeOf(gh.post("/markdown", { json: { text: "# hi" } })).resolves.toEqualTypeOf<string>();
expectTypeOf(gh.get("/search/repositories", { query: { q: "ballast" } })).resolves.toHaveProperty("total_count");
expectTypeOf(gh.get("/user")).resolves.toBeObject();

// @ts-expect-error: `repo` is missing
gh.get("/repos/{owner}/{repo}/issues", { params: { owner: "octocat" } });
// @ts-expect-error: `state` is open, closed or all
gh.get("/repos/{owner}/{repo}/issues", { params: repo, query: { state: "opened" } });
// @ts-expect-error: `q` is required by the search
gh.get("/search/repositories", { query: { sort: "stars" } });
// @ts-expect-error: the query is required (it holds `q`)
gh.get("/search/repositories");
// @ts-expect-error: `title` is required to create an issue
gh.post("/repos/{owner}/{repo}/issues", { params: repo, json: { body: "no title" } });
// @ts-expect-error: the body is required
gh.post("/repos/{owner}/{repo}/issues", { params: repo });
// @ts-expect-error: GitHub has no DELETE on an issue
gh.delete("/repos/{owner}/{repo}/issues/{issue_number}", { params: { ...repo, issue_number: 1 } });

// paginate and pages: GET paths of the document, their params and query typed.
const issues = gh.paginate("/repos/{owner}/{repo}/issues", { params: repo, query: { state: "all" }, strategy: linkHeader<Issue>() });
expectTypeOf(issues).toEqualTypeOf<AsyncGenerator<Issue, void, undefined>>();
gh.pages("/repos/{owner}/{repo}/issues", { params: repo, strategy: linkHeader<Issue>() });
// @ts-expect-error: the issues list has no `sort_by` query parameter
gh.paginate("/repos/{owner}/{repo}/issues", { params: repo, query: { sort_by: "created" }, strategy: linkHeader<Issue>() });
// @ts-expect-error: paginate needs the path's params
gh.paginate("/repos/{owner}/{repo}/issues", { strategy: linkHeader<Issue>() });
// @ts-expect-error: not a GET path
gh.paginate("/markdown", { strategy: linkHeader() });

// The strategy's extractors see the page body typed as the operation's 2xx body.
const typedPages = gh.paginate("/repos/{owner}/{repo}/issues", {
  params: repo,
  strategy: linkHeader({ items: (body) => body.filter((i) => i.state === "open") }),
});
expectTypeOf(typedPages).toEqualTypeOf<AsyncGenerator<Issue, void, undefined>>();
const found = gh.paginate("/search/repositories", {
  query: { q: "ballast" },
  strategy: cursor({ items: (body) => body.items, next: (body) => body.incomplete_results }),
});
expectTypeOf(found).toEqualTypeOf<AsyncGenerator<components["schemas"]["repo-search-result-item"], void, undefined>>();
// @ts-expect-error: an issues page is an array: it has no `data`
gh.paginate("/repos/{owner}/{repo}/issues", { params: repo, strategy: cursor({ items: (body) => body.data }) });
