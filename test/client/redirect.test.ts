import type http from "node:http";
import { afterEach, describe, expect, it, onTestFinished } from "vitest";
import { createClient } from "../../src/client/create-client.js";
import { type HttpError, isHttpError } from "../../src/errors.js";
import { bearer } from "../../src/middleware/auth/auth.js";
import { bodyOf, startServer, type TestServer } from "../support/http-server.js";

interface Seen {
  method: string;
  url: string;
  body: string;
  headers: http.IncomingHttpHeaders;
}

const servers: TestServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

/** A server whose routes answer `[status, headers, body]`; every request is recorded. */
async function serve(routes: Record<string, (seen: Seen) => [number, Record<string, string>, string?]>) {
  const seen: Seen[] = [];
  const s = await startServer(async (req, res) => {
    const entry = { method: req.method as string, url: req.url as string, body: await bodyOf(req), headers: req.headers };
    seen.push(entry);
    const route = routes[(req.url as string).split("?")[0] as string];
    if (!route) return res.writeHead(404).end();
    const [status, headers, body] = route(entry);
    res.writeHead(status, { "content-type": "application/json", ...headers }).end(body ?? "");
  });
  servers.push(s);
  return { url: s.url, seen };
}

describe('redirect: "follow" (the default)', () => {
  it("follows 301/302/303 after POST as GET, without the body, and 307/308 with method and body", async () => {
    const api = await serve({
      "/old": () => [301, { location: "/new" }],
      "/found": () => [302, { location: "/new" }],
      "/see-other": () => [303, { location: "/new" }],
      "/temp": () => [307, { location: "/new" }],
      "/perm": () => [308, { location: "/new" }],
      "/new": (s) => [200, {}, JSON.stringify({ method: s.method, body: s.body, type: s.headers["content-type"] ?? null })],
    });
    const client = createClient({ baseUrl: api.url });
    onTestFinished(() => client.close());
    for (const [path, method] of [
      ["/old", "GET"],
      ["/found", "GET"],
      ["/see-other", "GET"],
    ])
      expect(await client.post(path as string, { json: { a: 1 } })).toEqual({ method, body: "", type: null });
    for (const path of ["/temp", "/perm"])
      expect(await client.post(path, { json: { a: 1 } })).toEqual({ method: "POST", body: '{"a":1}', type: "application/json" });
    expect(await client.put("/old", { json: { a: 1 } })).toEqual({ method: "PUT", body: '{"a":1}', type: "application/json" });

    const { response } = await client.get("/old").withResponse();
    expect(response.url).toBe(`${api.url}/new`);
  });

  it("drops Authorization, Cookie, Proxy-Authorization and the auth middleware's credential when the origin changes", async () => {
    const other = await serve({
      "/landing": (s) => [200, {}, JSON.stringify({ authorization: s.headers.authorization ?? null, cookie: s.headers.cookie ?? null })],
    });
    const api = await serve({
      "/same": () => [302, { location: "/echo" }],
      "/away": () => [302, { location: `${other.url}/landing` }],
      "/echo": (s) => [200, {}, JSON.stringify({ authorization: s.headers.authorization ?? null, cookie: s.headers.cookie ?? null })],
    });
    const client = createClient({ baseUrl: api.url, auth: bearer("sk_live_secret_token"), headers: { cookie: "session=1" } });
    onTestFinished(() => client.close());
    expect(await client.get("/same")).toEqual({ authorization: "Bearer sk_live_secret_token", cookie: "session=1" });
    expect(await client.get("/away", { headers: { "proxy-authorization": "Basic eA==" } })).toEqual({ authorization: null, cookie: null });
    expect(other.seen[0]?.headers["proxy-authorization"]).toBeUndefined();
  });

  it("stops after 5 hops with an HttpError carrying the status and location", async () => {
    const api = await serve({ "/loop": (s) => [302, { location: `/loop?n=${Number(new URL(s.url, "http://x").searchParams.get("n") ?? 0) + 1}` }] });
    const client = createClient({ baseUrl: api.url });
    onTestFinished(() => client.close());
    const err = (await client.get("/loop").catch((e: unknown) => e)) as HttpError;
    expect(isHttpError(err)).toBe(true);
    expect(err).toMatchObject({ status: 302, location: "/loop?n=6" });
    expect(api.seen).toHaveLength(6);
  });

  it("does not resend a one-shot stream body on a 307: the 307 fails the call", async () => {
    const api = await serve({ "/upload": () => [307, { location: "/elsewhere" }], "/elsewhere": () => [200, {}, "{}"] });
    const client = createClient({ baseUrl: api.url });
    onTestFinished(() => client.close());
    const { Readable } = await import("node:stream");
    await expect(client.post("/upload", { body: Readable.from([Buffer.from("data")]) })).rejects.toMatchObject({ status: 307 });
    expect(api.seen.map((s) => s.url)).toEqual(["/upload"]);
  });
});

describe('redirect: "error" and "manual"', () => {
  it('"error" rejects with HttpError(status, location); "manual" returns the 3xx as is; per call overrides the client', async () => {
    const api = await serve({ "/moved": () => [301, { location: "/there" }, JSON.stringify({ moved: true })], "/there": () => [200, {}, "{}"] });
    const strict = createClient({ baseUrl: api.url, redirect: "error" });
    onTestFinished(() => strict.close());
    const err = (await strict.get("/moved").catch((e: unknown) => e)) as HttpError;
    expect(err).toMatchObject({ status: 301, location: "/there" });
    expect(err.message).toContain("redirect not followed");

    const manual = await strict.get("/moved", { redirect: "manual" }).withResponse();
    expect(manual.data).toEqual({ moved: true });
    expect(manual.response).toMatchObject({ status: 301 });
    expect(manual.response.headers.location).toBe("/there");
    expect(await strict.get("/moved", { redirect: "follow" })).toEqual({});

    const raw = await createClient({ baseUrl: api.url, redirect: "manual" }).raw({ path: "/moved" });
    expect(raw.status).toBe(301);
    raw.body?.resume();
    expect(api.seen.map((s) => s.url)).toEqual(["/moved", "/moved", "/moved", "/there", "/moved"]);
  });

  it("refuses an unknown mode, naming the option", () => {
    expect(() => createClient({ baseUrl: "http://x.test", redirect: "always" as never })).toThrow(/"redirect"/);
  });
});
