import { Readable } from "node:stream";
import { inspect } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { compose } from "../../src/compose.js";
import { oauth2, type TokenSet, tokenAuth } from "../../src/oauth/index.js";
import { tokenWasRefused } from "../../src/oauth/middleware.js";
import { undiciTransport } from "../../src/transport/undici.js";
import type { ApiRequest } from "../../src/types.js";
import { useServer } from "../support/http-server.js";
import { apiRequest } from "../support/request.js";

/** An API that accepts only `Bearer good-<n>` for n >= `minimum`, and says how it refuses. */
let minimum = 1;
let challenge: string | undefined = 'Bearer error="invalid_token"';
let hits = 0;
const server = useServer((req, res) => {
  hits++;
  req.resume();
  const n = Number(/^Bearer good-(\d+)$/.exec(req.headers.authorization ?? "")?.[1] ?? -1);
  if (n >= minimum) {
    res.writeHead(200).end("ok");
    return;
  }
  res.writeHead(401, challenge ? { "www-authenticate": challenge } : {}).end("refused ".repeat(10_000));
});
const transport = undiciTransport({ connections: 1 });
afterAll(() => transport.close());

function source() {
  let n = 0;
  const calls: Array<string | undefined> = [];
  const get = async (rejected: string | undefined): Promise<TokenSet> => {
    calls.push(rejected);
    if (rejected !== undefined || n === 0) n++;
    return { accessToken: `good-${n}`, tokenType: "bearer" };
  };
  return { get, calls };
}

const request = (extra: Partial<ApiRequest> = {}): ApiRequest => apiRequest(`${server.origin}/`, extra);

describe("auth middleware", () => {
  it("sets the authorization header on every attempt without touching the caller's request", async () => {
    minimum = 1;
    const s = source();
    const send = compose([tokenAuth(s.get)], transport.send);
    const req = request({ headers: { accept: "text/plain" } });
    const res = await send(req);
    expect(res.status).toBe(200);
    res.body?.resume();
    expect(req.headers).toEqual({ accept: "text/plain" });
    expect(res.request.headers.authorization).toBe("Bearer good-1");
  });

  it("after a 401 blaming the token, gets a new one (naming the refused one) and retries once, on the same drained connection", async () => {
    minimum = 2;
    challenge = 'Bearer realm="api", error="invalid_token", error_description="expired"';
    const s = source();
    const before = hits;
    const res = await compose([tokenAuth(s.get)], transport.send)(request());
    expect(res.status).toBe(200);
    res.body?.resume();
    expect(s.calls).toEqual([undefined, "good-1"]);
    expect(hits - before).toBe(2);
  });

  it("a bare 401 (no challenge) counts as a refused token", async () => {
    minimum = 2;
    challenge = undefined;
    const s = source();
    const res = await compose([tokenAuth(s.get)], transport.send)(request());
    expect(res.status).toBe(200);
    res.body?.resume();
  });

  it("does not retry a 401 that a new token cannot fix, nor a request whose body cannot be sent again", async () => {
    minimum = 99;
    challenge = 'Bearer error="invalid_request"';
    let s = source();
    let before = hits;
    let res = await compose([tokenAuth(s.get)], transport.send)(request());
    expect(res.status).toBe(401);
    res.body?.resume();
    expect(hits - before).toBe(1);

    challenge = 'Bearer error="invalid_token"';
    s = source();
    before = hits;
    res = await compose([tokenAuth(s.get)], transport.send)(request({ method: "POST", body: Readable.from([Buffer.from("once")]), replayable: false }));
    expect(res.status).toBe(401);
    res.body?.resume();
    expect(hits - before).toBe(1);
    expect(s.calls).toEqual([undefined]);
  });

  it("tells token challenges from others", () => {
    expect(tokenWasRefused({})).toBe(true);
    expect(tokenWasRefused({ "www-authenticate": 'Bearer error="invalid_token"' })).toBe(true);
    expect(tokenWasRefused({ "www-authenticate": 'Bearer realm="x"' })).toBe(true);
    expect(tokenWasRefused({ "www-authenticate": 'Bearer error="insufficient_scope"' })).toBe(false);
    expect(tokenWasRefused({ "www-authenticate": 'Basic realm="x"' })).toBe(false);
  });

  it("oauth2() holds no secret where inspect or JSON can reach it", () => {
    const oauth = oauth2({ issuer: "https://as.example", clientId: "app", clientSecret: "super-secret-client-value" });
    const middleware = oauth.auth("c1");
    for (const thing of [oauth, middleware, oauth.tokens]) {
      expect(inspect(thing, { depth: 20, showHidden: true })).not.toContain("super-secret-client-value");
    }
    expect(JSON.stringify(oauth.tokens)).not.toContain("super-secret-client-value");
    expect(() => oauth.auth("")).toThrow(/auth\(connectionId\)/);
  });
});
