/**
 * The token endpoint is called through a retrying, time-bounded pipeline: a
 * transient 503 or a connection reset while getting a client-credentials
 * token or refreshing is tried again, not surfaced; a final error (wrong
 * secret) is not; and however the endpoint fails, the call ends within
 * `timeout`. A real provider (oidc-provider) behind a fault-injecting proxy.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isOAuthError, memoryTokenStore, oauth2 } from "../../src/oauth/index.js";
import type { Duration } from "../../src/util/duration.js";
import { type FaultyProxy, faultyTokenProxy } from "./support/faulty-proxy.js";
import { authorizeInBrowser, type TestProvider } from "./support/provider.js";
import { useOAuthServers, webClientOptions } from "./support/servers.js";

const servers = useOAuthServers();
let op: TestProvider;
let proxy: FaultyProxy;
beforeEach(async () => {
  op = servers.op;
  proxy = await faultyTokenProxy(op.issuer);
});
afterEach(() => proxy.close());

const grants = (type: string) => op.tokenRequests.get(type) ?? 0;

function serviceClient(options: { secret?: string; timeout?: Duration; retry?: { attempts: number } | false } = {}) {
  return oauth2({
    endpoints: { issuer: op.issuer, token: proxy.tokenUrl },
    clientId: "svc",
    clientSecret: options.secret ?? op.secrets.svc,
    clientAuthentication: "client_secret_post",
    scopes: ["api:read"],
    allowInsecureRequests: true,
    ...(options.timeout && { timeout: options.timeout }),
    ...(options.retry !== undefined && { retry: options.retry }),
  });
}

describe("client credentials through a flaky token endpoint", () => {
  it("a 503 and a connection reset are retried; the caller gets a token", async () => {
    const before = grants("client_credentials");
    proxy.failNext("503", "reset");
    const token = await serviceClient().clientCredentials();
    expect(token.accessToken).toBeTruthy();
    expect(proxy.received).toBe(3);
    expect(grants("client_credentials") - before).toBe(1);
  });

  it("a 503 with Retry-After waits that long before the next try", async () => {
    proxy.failNext("503-retry-after");
    const t0 = performance.now();
    expect((await serviceClient().clientCredentials()).accessToken).toBeTruthy();
    expect(performance.now() - t0).toBeGreaterThanOrEqual(950);
    expect(proxy.received).toBe(2);
  });

  it("a final error (a wrong secret: invalid_client) is not retried", async () => {
    const error = await serviceClient({ secret: "wrong" })
      .clientCredentials()
      .catch((e: unknown) => e);
    expect(isOAuthError(error) && error.error).toBe("invalid_client");
    expect(proxy.received).toBe(1);
  });

  it("retry: false surfaces the first 503, with its status", async () => {
    proxy.failNext("503");
    await expect(serviceClient({ retry: false }).clientCredentials()).rejects.toMatchObject({
      code: "BALLAST_OAUTH",
      error: "ballast_response_is_not_conform",
      status: 503,
    });
    expect(proxy.received).toBe(1);
  });

  it("an endpoint that keeps failing: the call ends within timeout, after retrying", async () => {
    proxy.failAlways();
    const t0 = performance.now();
    const error = await serviceClient({ timeout: "1500ms", retry: { attempts: 50 } })
      .clientCredentials()
      .catch((e: unknown) => e);
    const ms = performance.now() - t0;
    expect(error).toBeInstanceOf(Error);
    expect(proxy.received).toBeGreaterThanOrEqual(2);
    expect(ms).toBeLessThan(1500 + 3000); // generous for a loaded machine; the bound is the timeout, not 50 tries
  });
});

describe("refresh through a flaky token endpoint", () => {
  it("a 503 and a reset while refreshing are retried: the caller gets the rotated tokens, the connection stays usable", async () => {
    const tokenStore = memoryTokenStore();
    const direct = oauth2({ ...webClientOptions(op), tokenStore });
    await direct.handleCallback(await authorizeInBrowser(await direct.authorizationUrl({ connectionId: "flaky" })));
    const first = await direct.tokens.peek("flaky");
    const { issuer: _, ...web } = webClientOptions(op);
    const viaProxy = oauth2({ ...web, endpoints: { issuer: op.issuer, token: proxy.tokenUrl }, tokenStore });
    proxy.failNext("503", "reset");
    const refreshed = await viaProxy.refresh("flaky");
    expect(refreshed.refreshToken).toBeTruthy();
    expect(refreshed.refreshToken).not.toBe(first?.tokens.refreshToken);
    expect(proxy.received).toBe(3);
    expect(proxy.forwarded).toBe(1);
    expect(await viaProxy.tokens.status("flaky")).toBe("active");
  });
});
