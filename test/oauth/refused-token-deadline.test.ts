/**
 * A 401 that blames the token is answered by sending the request once more
 * with a new token, inside the same attempt: that second send gets what is
 * left of the attempt's time, not the whole limit again, so the call still
 * ends at its deadline (undici transport: the attempt's timer runs in the
 * transport, from when each request is sent).
 */
import type { ServerResponse } from "node:http";
import { expect, it, onTestFinished } from "vitest";
import { createClient } from "../../src/client/create-client.js";
import { isTimeoutError } from "../../src/errors.js";
import { type TokenSet, tokenAuth } from "../../src/oauth/index.js";
import { useServer } from "../support/http-server.js";

const stalled: ServerResponse[] = [];
const api = useServer((req, res) => {
  if (req.headers.authorization === "Bearer first") {
    // The refusal comes late: most of the call's time is spent on it.
    const timer = setTimeout(() => res.writeHead(401, { "www-authenticate": 'Bearer error="invalid_token"' }).end(), 300);
    res.on("close", () => clearTimeout(timer));
  } else stalled.push(res); // the new token's request is never answered
});

/** The latest a call may end: its limit plus max(1 %, 100 ms), as in test/client/deadlines.test.ts. */
const wall = (limitMs: number) => limitMs + Math.max(limitMs / 100, 100);

it("the request sent again with a fresh token ends at the call's deadline, not a whole limit after the 401", async () => {
  const token = (accessToken: string): TokenSet => ({ accessToken, tokenType: "Bearer" }) as TokenSet;
  const auth = tokenAuth(async (rejected) => token(rejected === undefined ? "first" : "second"));
  const client = createClient({ baseUrl: api.url, auth, retry: false, timeout: 500 });
  onTestFinished(() => client.close());
  const t0 = performance.now();
  const error = await client.get("/x").catch((e: unknown) => e);
  const ms = performance.now() - t0;
  expect(isTimeoutError(error)).toBe(true);
  expect(stalled.length).toBe(1);
  expect(ms).toBeLessThan(wall(500));
});
