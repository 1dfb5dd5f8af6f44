/**
 * A provider client's `paginate` and `pages` type `params` by the path template,
 * as a plain client's do; the provider's strategy stays the default. Not run:
 * typechecked (strict) by test/providers/paginate-types.test.ts and by `npm run typecheck`.
 */
import type { PaginationStrategy } from "ballast";
import type { ProviderClient } from "ballast/providers";
import { expectTypeOf } from "vitest";

declare const gh: ProviderClient;
interface Issue {
  number: number;
  title: string;
}
declare const issues: PaginationStrategy<Issue>;

// The provider's strategy: no options needed for a path without placeholders.
gh.paginate("/user/repos");
gh.pages("/user/repos", { query: { per_page: 100 } });
gh.paginate("/repos/{owner}/{repo}/issues", { params: { owner: "octocat", repo: "hello-world" } });
gh.paginate("/repos/:owner/:repo/issues", { params: { owner: "octocat", repo: "hello-world" }, maxItems: 50 });
expectTypeOf(gh.paginate("/repos/{owner}/{repo}/issues", { params: { owner: "o", repo: "r" }, strategy: issues })).toEqualTypeOf<
  AsyncGenerator<Issue, void, undefined>
>();
expectTypeOf(gh.pages("/repos/{owner}/{repo}/issues", { params: { owner: "o", repo: "r" }, strategy: issues })).toMatchTypeOf<
  AsyncGenerator<{ items: Issue[] }, void, undefined>
>();
// A path only known as a string: params are not checked.
declare const somePath: string;
gh.paginate(somePath, { params: { anything: 1 } });

// @ts-expect-error: the path's placeholders need params
gh.paginate("/repos/{owner}/{repo}/issues");
// @ts-expect-error: `repo` is missing
gh.paginate("/repos/{owner}/{repo}/issues", { params: { owner: "octocat" } });
// @ts-expect-error: a typo in a placeholder's name
gh.pages("/repos/:owner/:repo/issues", { params: { owner: "octocat", rep: "hello-world" } });
// @ts-expect-error: a path without placeholders takes no params: query parameters go in `query`
gh.paginate("/user/repos", { params: { per_page: 100 } });
