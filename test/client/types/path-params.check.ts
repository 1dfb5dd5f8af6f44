/**
 * What the compiler accepts and refuses for path templates. Not run: it is
 * typechecked (strict) by test/client/typed-paths.test.ts and by `npm run
 * typecheck`; each `@ts-expect-error` fails the check when the line compiles.
 */

import type { Client, PaginationStrategy, PathParamNames, PathParamsOf } from "ballast";
import { expectTypeOf } from "vitest";
import { z } from "zod";

declare const client: Client;
declare const id: string;
interface User {
  id: string;
  name: string;
}

// --- the names a template declares ---
expectTypeOf<PathParamNames<"/users/:id/files/:name">>().toEqualTypeOf<"id" | "name">();
expectTypeOf<PathParamNames<"/pets/{petId}">>().toEqualTypeOf<"petId">();
expectTypeOf<PathParamNames<"/repos/{owner}/{repo}/issues/:issue_number">>().toEqualTypeOf<"owner" | "repo" | "issue_number">();
expectTypeOf<PathParamNames<"/files/:name.json">>().toEqualTypeOf<"name">();
expectTypeOf<PathParamNames<"/echo">>().toEqualTypeOf<never>();
expectTypeOf<PathParamNames<"https://api.example.com:8443/next?page=2">>().toEqualTypeOf<never>();
expectTypeOf<PathParamNames<"/at/12:30">>().toEqualTypeOf<never>();
expectTypeOf<PathParamsOf<"/users/:id">>().toEqualTypeOf<{ readonly id: string | number | boolean | bigint }>();

// --- verbs: every placeholder required, no other key ---
client.get("/users/:id", { params: { id } });
client.get("/users/:id/files/:name", { params: { id: 42, name: "a.txt" } });
client.delete("/pets/{petId}", { params: { petId: 7 } });
client.post("/users/:id/tags", { params: { id }, json: { tag: "x" } });
client.get("/echo");
client.get("/echo", { query: { limit: 10 } });
// @ts-expect-error: the template needs `id`
client.get("/users/:id");
// @ts-expect-error: a typo of `id`
client.get("/users/:id", { params: { ib: id } });
// @ts-expect-error: `name` is missing
client.get("/users/:id/files/:name", { params: { id } });
// @ts-expect-error: `extra` is no placeholder of the template
client.get("/users/:id", { params: { id, extra: 1 } });
// @ts-expect-error: no placeholder in "/echo": `limit` is a query parameter
client.get("/echo", { params: { limit: 10 } });
// @ts-expect-error: a placeholder takes a scalar, not an object
client.put("/users/:id", { params: { id: { nested: true } } });

// --- the response type: `<T>`, `schema` and `transform` as before ---
expectTypeOf(client.get<User>("/users/:id", { params: { id } })).resolves.toEqualTypeOf<User>();
expectTypeOf(client.get("/users/:id", { params: { id } })).resolves.toBeUnknown();
const UserSchema = z.object({ id: z.string(), name: z.string() });
expectTypeOf(client.get("/users/:id", { params: { id }, schema: UserSchema })).resolves.toEqualTypeOf<{ id: string; name: string }>();
expectTypeOf(client.get("/users/:id", { params: { id }, schema: UserSchema, transform: (u) => u.name.length })).resolves.toEqualTypeOf<number>();
expectTypeOf(client.get("/users/:id", { params: { id }, transform: (u: User) => u.name })).resolves.toEqualTypeOf<string>();
// @ts-expect-error: with a schema, params are still checked
client.get("/users/:id", { params: { ib: id }, schema: UserSchema });
// With an explicit `<T>` the path is not inferred: params are checked at run time (a ConfigError) instead.
client.get<User>("/users/:id", { params: { ib: id } });

// --- a path only known as a string: loose params ---
declare const path: string;
client.get(path, { params: { anything: 1 } });
client.get(path);

// --- request(), raw(), paginate(), pages(), sse() read the template too ---
client.request({ method: "PATCH", path: "/users/:id", params: { id }, json: { name: "n" } });
// @ts-expect-error: `request` checks the path's placeholders too
client.request({ method: "PATCH", path: "/users/:id", params: { userId: id } });
expectTypeOf(client.request<User>({ path: "/users/:id", params: { id } })).resolves.toEqualTypeOf<User>();
client.raw({ path: "/users/:id", params: { id } });
// @ts-expect-error: `raw` too
client.raw({ path: "/users/:id" });

declare const strategy: PaginationStrategy<User>;
expectTypeOf(client.paginate("/orgs/:org/members", { params: { org: "acme" }, strategy })).toEqualTypeOf<AsyncGenerator<User, void, undefined>>();
client.pages("/orgs/{org}/members", { params: { org: "acme" }, strategy });
// @ts-expect-error: paginate needs the template's params
client.paginate("/orgs/:org/members", { strategy });
// @ts-expect-error: pages refuses a query parameter in params
client.pages("/members", { params: { per_page: 100 }, strategy });

client.sse("/streams/:id/events", { params: { id } });
client.sse("/events");
// @ts-expect-error: sse needs the template's params
client.sse("/streams/:id/events");
