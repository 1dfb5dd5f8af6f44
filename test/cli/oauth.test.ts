import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authorizeInBrowser, startProvider, type TestProvider } from "../oauth/support/provider.js";
import { buildCli, type CliProcess, runCli, startCli } from "./support/built-cli.js";

let op: TestProvider;
const dir = mkdtempSync(join(tmpdir(), "ballast-cli-oauth-"));

beforeAll(async () => {
  // Access tokens live 30 s.
  [op] = await Promise.all([startProvider({ accessTokenTtl: 30 }), buildCli()]);
}, 300_000);
afterAll(async () => {
  await op?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("ballast oauth", () => {
  it("login (loopback + PKCE) stores encrypted tokens; token prints a fresh access token, refreshing it", async () => {
    const keygen = await runCli(["oauth", "keygen"]);
    expect(keygen.code).toBe(0);
    const key = keygen.stdout.trim();
    expect(Buffer.from(key, "base64url")).toHaveLength(32);
    const store = join(dir, "tokens.db");
    const env = { BALLAST_TOKEN_KEY: key };

    const login: CliProcess = await startCli(
      [
        "oauth",
        "login",
        "--issuer",
        op.issuer,
        "--client-id",
        "cli",
        "--scope",
        "openid",
        "--scope",
        "offline_access",
        "--name",
        "work",
        "--store",
        store,
        "--no-open",
      ],
      { env },
    );
    const [, url] = await login.waitFor(/Open this URL to sign in:\n(\S+)/);
    expect(new URL(url as string).searchParams.get("code_challenge_method")).toBe("S256");
    // Play the user in a browser: sign in, consent, follow the redirect to the CLI's loopback listener.
    const callback = await authorizeInBrowser(url as string, { user: "dana" });
    expect(callback.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const page = await fetch(callback);
    expect(await page.text()).toContain("Signed in");
    expect(await login.exited()).toEqual({ code: 0, signal: null });
    expect(login.stdout()).toMatch(/signed in: connection "work" saved in .*tokens\.db/);

    // A fresh token is printed as stored: no refresh.
    const refreshesBefore = op.tokenRequests.get("refresh_token") ?? 0;
    const first = await runCli(["oauth", "token", "work", "--store", store], { env });
    expect(first.code, first.stderr).toBe(0);
    const token = first.stdout.trim();
    expect(token.length).toBeGreaterThan(20);
    expect(op.tokenRequests.get("refresh_token") ?? 0).toBe(refreshesBefore);
    const introspected = await op.provider.AccessToken.find(token);
    expect(introspected?.accountId).toBe("dana");

    // One that expires within --min-valid (the tokens live 30 s) is refreshed first, with the stored refresh token.
    const second = await runCli(["oauth", "token", "work", "--store", store, "--json", "--min-valid", "60s"], { env });
    expect(second.code, second.stderr).toBe(0);
    expect(op.tokenRequests.get("refresh_token") ?? 0).toBe(refreshesBefore + 1);
    const json = JSON.parse(second.stdout);
    expect(json.accessToken).not.toBe(token);
    expect((await op.provider.AccessToken.find(json.accessToken))?.accountId).toBe("dana");
    // The refreshed token is what the file now holds.
    const third = await runCli(["oauth", "token", "work", "--store", store], { env });
    expect(third.stdout.trim()).toBe(json.accessToken);
    expect(json.tokenType).toBe("bearer");
    expect(json.expiresAt).toBeGreaterThan(Date.now());

    // At rest the file holds ciphertext: neither token appears in it.
    const bytes = readFileSync(store).toString("latin1") + readFileSync(`${store}-wal`, { flag: "a+" }).toString("latin1");
    expect(bytes).not.toContain(token);
    expect(bytes).not.toContain(json.accessToken);

    const list = await runCli(["oauth", "list", "--store", store, "--json"], { env });
    expect(JSON.parse(list.stdout)).toEqual([{ name: "work", server: op.issuer, clientId: "cli", scopes: "openid offline_access" }]);

    // The wrong key cannot read the tokens: exit 1, and the message does not leak the key.
    const wrongKey = (await runCli(["oauth", "keygen"])).stdout.trim();
    const wrong = await runCli(["oauth", "token", "work", "--store", store], { env: { BALLAST_TOKEN_KEY: wrongKey } });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).not.toContain(wrongKey);
  });

  it("usage errors exit 2: no key in the environment (with a hint), an unknown connection, an unknown provider", async () => {
    const store = join(dir, "other.db");
    const noKey = await runCli(["oauth", "token", "work", "--store", store], { env: { BALLAST_TOKEN_KEY: undefined } });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain("BALLAST_TOKEN_KEY is not set");
    expect(noKey.stderr).toContain("ballast oauth keygen");
    const key = (await runCli(["oauth", "keygen"])).stdout.trim();
    const unknown = await runCli(["oauth", "token", "nobody", "--store", store], { env: { BALLAST_TOKEN_KEY: key } });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no connection "nobody"');
    const provider = await runCli(["oauth", "login", "myspace", "--client-id", "x", "--store", store], { env: { BALLAST_TOKEN_KEY: key } });
    expect(provider.code).toBe(2);
    expect(provider.stderr).toContain('unknown provider "myspace"');
  });

  it("every oauth command has --help", async () => {
    for (const sub of ["login", "token", "list", "keygen"]) {
      const r = await runCli(["oauth", sub, "--help"]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Usage: ballast oauth ${sub}`);
    }
  });
});
