import { describe, expect, it, onTestFinished } from "vitest";
import { createClient } from "../../src/client/create-client.js";
import { linkHeader } from "../../src/pagination/index.js";
import { useSimulator } from "../support/simulator.js";

describe("path templates at run time", () => {
  const env = useSimulator({ keep: "routes" });

  it("refuses params the template has no placeholder for, naming query, before sending", async () => {
    const client = createClient({ baseUrl: env.sim.url });
    onTestFinished(() => client.close());
    const path: string = "/echo"; // the compiler refuses the literal (see above): the run-time check is for paths it cannot see
    const err = await client.get(path, { params: { limit: 10 } }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "BALLAST_CONFIG", option: "params.limit" });
    expect((err as Error).message).toContain("query: { limit: ... }");
    // With an explicit <T> the compiler does not see the path: the same check runs.
    const typo = await client.get<{ id: string }>("/users/:id", { params: { ib: "1" } }).catch((e: unknown) => e);
    expect(typo).toMatchObject({ code: "BALLAST_CONFIG", option: "params.ib" });
    expect((typo as Error).message).toContain('"/users/:id" (it has :id)');
    await expect(client.get<{ id: string }>("/users/:id", { params: { id: "1", extra: "x" } })).rejects.toMatchObject({ option: "params.extra" });
    expect(env.sim.requests).toHaveLength(0);
  });

  it("ignores a params key whose value is undefined", async () => {
    env.sim.route("GET", "/users/:id", (req) => ({ json: req.params }));
    const client = createClient({ baseUrl: env.sim.url });
    onTestFinished(() => client.close());
    const params = { id: "7", org: undefined } as unknown as Record<string, string>;
    expect(await client.get("/users/:id", { params: params as { id: string } })).toEqual({ id: "7" });
  });

  it("fills OpenAPI-style {name} placeholders, and keeps the template as the route", async () => {
    const route = env.sim.route("GET", "/repos/:owner/:repo/issues/:number", (req) => ({ json: req.params }));
    const client = createClient({ baseUrl: env.sim.url });
    onTestFinished(() => client.close());
    const body = await client.get("/repos/{owner}/{repo}/issues/:number", { params: { owner: "octo cat", repo: "hello", number: 3 } });
    expect(body).toEqual({ owner: "octo cat", repo: "hello", number: "3" });
    expect(route.requests[0]?.path).toBe("/repos/octo%20cat/hello/issues/3");
    expect(Object.keys(client.stats().routes)).toEqual(["GET /repos/{owner}/{repo}/issues/:number"]);
  });

  it("refuses params with an absolute URL, which is sent as it is", async () => {
    const client = createClient({ baseUrl: env.sim.url });
    onTestFinished(() => client.close());
    const url: string = `${env.sim.url}/users/1`;
    await expect(client.get(url, { params: { id: "1" } })).rejects.toMatchObject({ option: "params.id" });
    expect(env.sim.requests).toHaveLength(0);
  });

  it("paginates a template: params fill the first page, next links are followed as they are", async () => {
    env.sim.route("GET", "/orgs/:org/members", (req) =>
      req.query.page === "2"
        ? { json: [{ login: "b" }] }
        : { json: [{ login: "a" }], headers: { link: `<${env.sim.url}/orgs/${req.params.org}/members?page=2>; rel="next"` } },
    );
    const client = createClient({ baseUrl: env.sim.url });
    onTestFinished(() => client.close());
    const logins: string[] = [];
    for await (const m of client.paginate("/orgs/:org/members", { params: { org: "acme" }, strategy: linkHeader<{ login: string }>() })) logins.push(m.login);
    expect(logins).toEqual(["a", "b"]);
    expect(env.sim.requests.map((r) => r.url)).toEqual(["/orgs/acme/members", "/orgs/acme/members?page=2"]);
  });
});
