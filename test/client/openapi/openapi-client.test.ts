/**
 * A client typed by the Petstore, GitHub and Reports documents calls a loopback server
 * as its types say. `./generated/*.js` are type-only imports (erased when the
 * test runs); openapi-types.test.ts generates them and typechecks this file.
 */
import { describe, expect, it, onTestFinished } from "vitest";
import { createClient, linkHeader } from "../../../src/index.js";
import { startServer } from "../../support/http-server.js";
import { useSimulator } from "../../support/simulator.js";
import type { paths as GitHub } from "./generated/github.js";
import type { paths as Petstore } from "./generated/petstore.js";
import type { paths as Reports } from "./generated/reports.js";

const env = useSimulator();

const pet = { id: 7, name: "Rex", photoUrls: ["https://img.example/rex.png"], status: "available" };

describe("a client typed by the Petstore document", () => {
  it("fills {petId}, sends query, json and form bodies, and resolves to the 2xx body", async () => {
    const byStatus = env.sim.route("GET", "/v3/pet/findByStatus", (req) => ({ json: [{ ...pet, status: req.query.status }] }));
    const byId = env.sim.route("GET", "/v3/pet/:petId", (req) => ({ json: { ...pet, id: Number(req.params.petId) } }));
    const add = env.sim.route("POST", "/v3/pet", (req) => ({ json: { ...(JSON.parse(req.text()) as object), id: 11 } }));
    const update = env.sim.route("PUT", "/v3/pet", (req) => ({ json: { ...pet, name: new URLSearchParams(req.text()).get("name") } }));
    const petstore = createClient<Petstore>({ baseUrl: `${env.sim.url}/v3` });
    onTestFinished(() => petstore.close());

    const found = await petstore.get("/pet/{petId}", { params: { petId: 42 } });
    expect(found.id).toBe(42);
    expect(byId.requests[0]?.path).toBe("/v3/pet/42");

    const sold = await petstore.get("/pet/findByStatus", { query: { status: "sold" } });
    expect(sold.map((p) => p.status)).toEqual(["sold"]);
    expect(byStatus.requests[0]?.url).toBe("/v3/pet/findByStatus?status=sold");

    const added = await petstore.post("/pet", { json: { name: "Tom", photoUrls: [] } });
    expect(added).toEqual({ name: "Tom", photoUrls: [], id: 11 });
    expect(add.requests[0]?.headers["content-type"]).toBe("application/json");

    const renamed = await petstore.put("/pet", { form: { name: "Max", photoUrls: ["a"] } });
    expect(renamed.name).toBe("Max");
    expect(update.requests[0]?.headers["content-type"]).toBe("application/x-www-form-urlencoded");

    expect(Object.keys(petstore.stats().routes).sort()).toEqual(["GET /pet/findByStatus", "GET /pet/{petId}", "POST /pet", "PUT /pet"]);
  });

  it("keeps the pipeline: a 404 is an HttpError, a bad option a ConfigError before sending", async () => {
    env.sim.route("GET", "/v3/pet/:petId", { status: 404, json: { code: 1, type: "error", message: "Pet not found" } });
    const petstore = createClient<Petstore>({ baseUrl: `${env.sim.url}/v3`, retry: 1 });
    onTestFinished(() => petstore.close());
    await expect(petstore.get("/pet/{petId}", { params: { petId: 404 } })).rejects.toMatchObject({
      code: "BALLAST_HTTP",
      status: 404,
      apiMessage: "Pet not found",
    });
    const loose = { params: { petId: 1, name: "x" } } as never;
    await expect(petstore.get("/pet/{petId}", loose)).rejects.toMatchObject({ code: "BALLAST_CONFIG", option: "params.name" });
    expect(env.sim.requests).toHaveLength(1);
  });
});

describe("a client typed by GitHub's document", () => {
  const repo = { owner: "octo cat", repo: "hello" };

  it("lists and pages issues, creates one, and locks one (204 → undefined)", async () => {
    const list = env.sim.route("GET", "/repos/:owner/:repo/issues", (req) =>
      req.query.page === "2"
        ? { json: [{ number: 2, title: "second" }] }
        : { json: [{ number: 1, title: "first" }], headers: { link: `<${env.sim.url}/repos/octo%20cat/hello/issues?state=all&page=2>; rel="next"` } },
    );
    const create = env.sim.route("POST", "/repos/:owner/:repo/issues", (req) => ({ status: 201, json: { number: 3, ...(JSON.parse(req.text()) as object) } }));
    const lock = env.sim.route("PUT", "/repos/:owner/:repo/issues/:number/lock", { status: 204 });
    const gh = createClient<GitHub>({ baseUrl: env.sim.url });
    onTestFinished(() => gh.close());

    const titles: string[] = [];
    for await (const issue of gh.paginate("/repos/{owner}/{repo}/issues", { params: repo, query: { state: "all" }, strategy: linkHeader() })) {
      titles.push((issue as { title: string }).title);
    }
    expect(titles).toEqual(["first", "second"]);
    expect(list.requests.map((r) => r.url)).toEqual(["/repos/octo%20cat/hello/issues?state=all", "/repos/octo%20cat/hello/issues?state=all&page=2"]);

    const created = await gh.post("/repos/{owner}/{repo}/issues", { params: repo, json: { title: "Found a bug", labels: ["bug"] } });
    expect(created.number).toBe(3);
    expect(JSON.parse(create.requests[0]?.text() ?? "")).toEqual({ title: "Found a bug", labels: ["bug"] });

    expect(await gh.put("/repos/{owner}/{repo}/issues/{issue_number}/lock", { params: { ...repo, issue_number: 3 } })).toBeUndefined();
    expect(lock.requests[0]?.path).toBe("/repos/octo%20cat/hello/issues/3/lock");
  });
});

describe("a client typed by the Reports document", () => {
  it("sends a header parameter given in the document's spelling or in lower case under its one lower-case name", async () => {
    const received: Array<Record<string, string | string[] | undefined>> = [];
    const server = await startServer((req, res) => {
      received.push(req.headers);
      res.setHeader("content-type", "text/csv");
      res.end("title\nQ3\n");
    });
    onTestFinished(() => server.close());
    const api = createClient<Reports>({ baseUrl: server.url, retry: false });
    onTestFinished(() => api.close());

    expect(await api.get("/reports/export", { headers: { "X-Request-Id": "r1", "Accept-Language": "fr" } })).toBe("title\nQ3\n");
    await api.get("/reports/export", { headers: { "x-request-id": "r2", "accept-language": "de" } });
    await api.get("/reports/export", { headers: { "x-request-id": "r3", "Accept-Language": "it" } });
    expect(received.map((h) => [h["x-request-id"], h["accept-language"]])).toEqual([
      ["r1", "fr"],
      ["r2", "de"],
      ["r3", "it"],
    ]);
  });
});
