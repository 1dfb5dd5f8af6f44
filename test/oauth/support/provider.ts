/**
 * A real OpenID Connect provider (oidc-provider) on loopback, for end-to-end
 * tests, with a counter of token-endpoint requests per grant type and a
 * programmatic "browser" that drives its development login/consent screens.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { exportJWK, generateKeyPair, type JWK } from "jose";
import type Provider from "oidc-provider";
import { startServer } from "../../support/http-server.js";

let quieted = false;
/**
 * oidc-provider prints development-mode notices (in-memory adapter, dev
 * keys, dev interactions, Node 20 not being its preferred runtime) that are
 * expected in these tests; drop just those lines to keep test output readable.
 */
function quietProviderNotices(): void {
  if (quieted) return;
  quieted = true;
  for (const method of ["warn", "info"] as const) {
    const original = console[method].bind(console);
    console[method] = (...args: unknown[]) => {
      if (typeof args[0] === "string" && /oidc-provider (WARNING|NOTICE)/.test(args[0])) return;
      original(...args);
    };
  }
}

export interface TestProvider {
  issuer: string;
  provider: Provider;
  /** Token endpoint requests seen, by grant_type. */
  tokenRequests: Map<string, number>;
  /** Grant errors seen (e.g. invalid_grant), by error code. */
  grantErrors: Map<string, number>;
  /** Revocation requests seen. */
  revocations: () => number;
  /** A private key registered for the `pkjwt` client (private_key_jwt). */
  clientKey: { privateJwk: JWK; kid: string };
  secrets: { web: string; svc: string; csjwt: string };
  close(): Promise<void>;
}

export const WEB_REDIRECT = "http://127.0.0.1:1/cb";

export async function startProvider(options: { accessTokenTtl?: number } = {}): Promise<TestProvider> {
  const tokenRequests = new Map<string, number>();
  const grantErrors = new Map<string, number>();
  let revocations = 0;
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const server = await startServer((req, res) => {
    if (req.method === "POST" && req.url === "/token") {
      // Count by grant type without consuming the body the provider reads.
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const grant = new URLSearchParams(Buffer.concat(chunks).toString()).get("grant_type") ?? "?";
        tokenRequests.set(grant, (tokenRequests.get(grant) ?? 0) + 1);
      });
    }
    if (req.method === "POST" && req.url === "/token/revocation") revocations++;
    (handler as NonNullable<typeof handler>)(req, res);
  });
  const issuer = server.origin;

  const { publicKey, privateKey } = await generateKeyPair("ES256", { extractable: true });
  const kid = "client-key-1";
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: "ES256", use: "sig" };
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: "ES256" };
  const secrets = {
    web: "web-secret-0123456789abcdef0123456789",
    svc: "svc-secret-0123456789abcdef0123456789",
    csjwt: "csjwt-secret-0123456789abcdef0123456789abcdef",
  };

  quietProviderNotices();
  const { default: ProviderClass } = await import("oidc-provider");
  const provider: Provider = new ProviderClass(issuer, {
    clients: [
      {
        client_id: "web",
        client_secret: secrets.web,
        redirect_uris: [WEB_REDIRECT],
        grant_types: ["authorization_code", "refresh_token"],
        response_types: ["code"],
        token_endpoint_auth_method: "client_secret_basic",
      },
      {
        client_id: "cli",
        application_type: "native",
        token_endpoint_auth_method: "none",
        redirect_uris: ["http://127.0.0.1/callback"],
        grant_types: ["authorization_code", "refresh_token", "urn:ietf:params:oauth:grant-type:device_code"],
        response_types: ["code"],
      },
      {
        client_id: "svc",
        client_secret: secrets.svc,
        grant_types: ["client_credentials"],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: "client_secret_post",
        scope: "api:read api:write",
      },
      {
        client_id: "csjwt",
        client_secret: secrets.csjwt,
        grant_types: ["client_credentials"],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: "client_secret_jwt",
        scope: "api:read",
      },
      {
        client_id: "pkjwt",
        grant_types: ["client_credentials"],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: "private_key_jwt",
        token_endpoint_auth_signing_alg: "ES256",
        jwks: { keys: [publicJwk] },
        scope: "api:read",
      },
    ],
    scopes: ["openid", "offline_access", "profile", "api:read", "api:write"],
    features: {
      devInteractions: { enabled: true },
      clientCredentials: { enabled: true },
      revocation: { enabled: true, allowedPolicy: async () => true },
      deviceFlow: { enabled: true },
      introspection: { enabled: true },
    },
    pkce: { required: () => true },
    rotateRefreshToken: true,
    issueRefreshToken: async (_ctx: unknown, client: { grantTypeAllowed(t: string): boolean }) => client.grantTypeAllowed("refresh_token"),
    ttl: {
      AccessToken: options.accessTokenTtl ?? 3600,
      ClientCredentials: options.accessTokenTtl ?? 3600,
      AuthorizationCode: 60,
      DeviceCode: 120,
      RefreshToken: 3600,
      Interaction: 300,
      Session: 3600,
      Grant: 3600,
      IdToken: 3600,
    },
    clientBasedCORS: () => true,
    findAccount: async (_ctx: unknown, sub: string) => ({ accountId: sub, claims: async () => ({ sub }) }),
  });
  provider.on("grant.error", (_ctx: unknown, error: { error?: string }) => {
    const code = error.error ?? "unknown";
    grantErrors.set(code, (grantErrors.get(code) ?? 0) + 1);
  });
  provider.on("server_error", (_ctx: unknown, error: Error) => {
    console.error("oidc-provider server_error:", error);
  });
  handler = provider.callback() as typeof handler;

  return {
    issuer,
    provider,
    tokenRequests,
    grantErrors,
    revocations: () => revocations,
    clientKey: { privateJwk, kid },
    secrets,
    close: server.close,
  };
}

/** A minimal browser: a cookie jar and manual redirects. */
class Browser {
  readonly #cookies = new Map<string, string>();
  async go(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.#cookies.size > 0) headers.set("cookie", [...this.#cookies].map(([k, v]) => `${k}=${v}`).join("; "));
    const res = await fetch(url, { ...init, headers, redirect: "manual" });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(";");
      const eq = (pair as string).indexOf("=");
      this.#cookies.set((pair as string).slice(0, eq), (pair as string).slice(eq + 1));
    }
    return res;
  }
}

/**
 * Plays the user: opens the authorization URL, signs in as `user`, grants
 * consent (or aborts, for `deny`), and returns the redirect the provider
 * finally sends to the client's `redirect_uri`.
 */
export async function authorizeInBrowser(authorizationUrl: string, options: { user?: string; deny?: boolean } = {}): Promise<URL> {
  const browser = new Browser();
  const origin = new URL(authorizationUrl).origin;
  let res = await browser.go(authorizationUrl);
  for (let step = 0; step < 10; step++) {
    const location = res.headers.get("location");
    await res.arrayBuffer();
    if (location === null) throw new Error(`provider answered ${res.status} without a redirect`);
    const next = new URL(location, origin);
    if (next.origin !== origin) return next; // back at the client
    const interaction = /^\/interaction\/([^/]+)$/.exec(next.pathname);
    if (interaction === null) {
      res = await browser.go(next.href);
      continue;
    }
    const page = await browser.go(next.href);
    const html = await page.text();
    if (options.deny) {
      res = await browser.go(`${origin}/interaction/${interaction[1]}/abort`);
      continue;
    }
    res = await answerPrompt(browser, `${origin}/interaction/${interaction[1]}`, html, options.user);
  }
  throw new Error("too many redirects in the authorization interaction");
}

/** Plays the user of a device login: opens the verification URI, enters the code, signs in and confirms. */
export async function confirmDeviceCode(verificationUri: string, userCode: string, options: { user?: string } = {}): Promise<void> {
  const browser = new Browser();
  const origin = new URL(verificationUri).origin;
  const form = await (await browser.go(verificationUri)).text();
  const xsrf = /name="xsrf" value="([^"]+)"/.exec(form)?.[1];
  if (xsrf === undefined) throw new Error("no xsrf token on the device page");
  let res = await browser.go(verificationUri, {
    method: "POST",
    body: new URLSearchParams({ xsrf, user_code: userCode }),
    headers: { "content-type": "application/x-www-form-urlencoded" },
  });
  for (let step = 0; step < 12; step++) {
    const location = res.headers.get("location");
    const text = await res.text();
    if (location === null) {
      // The device flow shows a "confirm" page (a form of hidden inputs), then a success page.
      if (text.includes('name="confirm"')) {
        const action = /<form[^>]*action="([^"]+)"/.exec(text)?.[1] ?? verificationUri;
        const fields = new URLSearchParams();
        for (const m of text.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) fields.set(m[1] as string, m[2] as string);
        res = await browser.go(new URL(action, origin).href, {
          method: "POST",
          body: fields,
          headers: { "content-type": "application/x-www-form-urlencoded" },
        });
        continue;
      }
      if (res.status >= 400) throw new Error(`device confirmation failed: ${res.status}`);
      return;
    }
    const next = new URL(location, origin);
    const interaction = /^\/interaction\/([^/]+)$/.exec(next.pathname);
    if (interaction === null) {
      res = await browser.go(next.href);
      continue;
    }
    const html = await (await browser.go(next.href)).text();
    res = await answerPrompt(browser, `${origin}/interaction/${interaction[1]}`, html, options.user);
  }
  throw new Error("too many steps in the device confirmation");
}

/** Answers the provider's interaction page: signs in as `user` (alice by default) on a login prompt, consents otherwise. */
function answerPrompt(browser: Browser, interactionUrl: string, html: string, user = "alice"): Promise<Response> {
  const prompt = html.includes('name="prompt" value="login"') ? "login" : "consent";
  const body = prompt === "login" ? new URLSearchParams({ prompt, login: user, password: "any" }) : new URLSearchParams({ prompt });
  return browser.go(interactionUrl, { method: "POST", body, headers: { "content-type": "application/x-www-form-urlencoded" } });
}
