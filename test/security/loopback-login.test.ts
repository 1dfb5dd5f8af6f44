import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { isOAuthError, oauth2 } from "../../src/oauth/index.js";
import { createFakeClock } from "../../src/testing/fake-clock.js";
import { useServer } from "../support/http-server.js";

/** A token endpoint on loopback that issues `tok-<code>`. */
let tokenRequests = 0;
const server = useServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    tokenRequests++;
    const code = new URLSearchParams(Buffer.concat(chunks).toString()).get("code");
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ access_token: `tok-${code}`, token_type: "Bearer", expires_in: 3600 }));
  });
});

/** Fails the test if any promise rejection goes unhandled while it runs. */
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeAll(() => {
  process.on("unhandledRejection", onUnhandled);
});
afterAll(() => {
  process.off("unhandledRejection", onUnhandled);
});
afterEach(async () => {
  await new Promise((r) => setImmediate(r));
  expect(unhandled.splice(0)).toEqual([]);
});

const client = (clock = createFakeClock(Date.now())) =>
  oauth2({
    endpoints: { issuer: server.origin, authorization: `${server.origin}/authorize`, token: `${server.origin}/token` },
    clientId: "cli",
    allowInsecureRequests: true,
    clock,
  });

/** The redirect URI and state the authorization URL carries. */
function parts(url: string): { redirect: string; state: string } {
  const u = new URL(url);
  return { redirect: u.searchParams.get("redirect_uri") as string, state: u.searchParams.get("state") as string };
}

describe("loopbackLogin ignores callbacks it did not ask for", () => {
  it("a forged callback while open() is pending gets 400; the real one still signs in; nothing goes unhandled", async () => {
    const before = tokenRequests;
    const result = await client().loopbackLogin({
      connectionId: "me",
      open: async (url) => {
        const { redirect, state } = parts(url);
        const forged = await fetch(`${redirect}?state=bogus&code=attacker`);
        expect(forged.status).toBe(400);
        const noState = await fetch(`${redirect}?code=attacker`);
        expect(noState.status).toBe(400);
        expect(tokenRequests).toBe(before);
        const real = await fetch(`${redirect}?state=${state}&code=good`);
        expect(real.status).toBe(200);
      },
    });
    expect(result.tokens.accessToken).toBe("tok-good");
    expect(tokenRequests).toBe(before + 1);
  });

  it("forged callbacks alone end in the timeout, not in a rejection the attacker chose", async () => {
    const clock = createFakeClock(Date.now());
    let redirect = "";
    const login = client(clock).loopbackLogin({
      connectionId: "me",
      timeout: "5m",
      open: (url) => {
        redirect = parts(url).redirect;
      },
    });
    const settled = login.catch((e: unknown) => e);
    await clock.waitForPending(1);
    for (let i = 0; i < 3; i++) expect((await fetch(`${redirect}?state=bogus${i}&error=access_denied`)).status).toBe(400);
    await clock.advance(5 * 60_000);
    const err = await settled;
    expect(isOAuthError(err)).toBe(true);
    expect((err as { error: string }).error).toBe("ballast_login_timeout");
  });

  it("a provider error with the right state ends the login with that error", async () => {
    const err = await client()
      .loopbackLogin({
        connectionId: "me",
        open: async (url) => {
          const { redirect, state } = parts(url);
          expect((await fetch(`${redirect}?state=${state}&error=access_denied`)).status).toBe(400);
        },
      })
      .catch((e: unknown) => e);
    expect(isOAuthError(err)).toBe(true);
    expect((err as { error: string }).error).toBe("access_denied");
  });

  it("open() that throws ends the login with its error and closes the listener", async () => {
    let redirect = "";
    const err = await client()
      .loopbackLogin({
        connectionId: "me",
        open: (url) => {
          redirect = parts(url).redirect;
          throw new Error("no browser");
        },
      })
      .catch((e: unknown) => e);
    expect((err as Error).message).toBe("no browser");
    await expect(fetch(redirect)).rejects.toMatchObject({ cause: { code: "ECONNREFUSED" } });
  });
});
