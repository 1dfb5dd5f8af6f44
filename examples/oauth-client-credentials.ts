// Service-to-service: a client credentials token, cached until a minute before
// it expires, sent by the client on every call.
//
//   OAUTH_ISSUER=... OAUTH_CLIENT_ID=... OAUTH_CLIENT_SECRET=... API_BASE_URL=... \
//   node --import tsx examples/oauth-client-credentials.ts
//
// Without OAUTH_ISSUER it starts the local oidc-provider the tests use.
import { oauth2 } from "ballast/oauth";
import { startProvider } from "../test/oauth/support/provider.js";

const local = process.env.OAUTH_ISSUER ? undefined : await startProvider();
const oauth = oauth2({
  issuer: process.env.OAUTH_ISSUER ?? (local?.issuer as string),
  clientId: process.env.OAUTH_CLIENT_ID ?? "svc",
  clientSecret: process.env.OAUTH_CLIENT_SECRET ?? (local?.secrets.svc as string),
  clientAuthentication: local ? "client_secret_post" : "client_secret_basic",
  scopes: ["api:read"],
  allowInsecureRequests: local !== undefined,
});

try {
  const first = await oauth.clientCredentials();
  const second = await oauth.clientCredentials();
  console.log(`token cached: ${first.accessToken === second.accessToken}, expires ${new Date(first.expiresAt ?? 0).toISOString()}`);
  // With a client: createClient({ baseUrl, auth: oauth.clientCredentialsAuth({ scopes: ["api:read"] }) })
} finally {
  await local?.close();
}
