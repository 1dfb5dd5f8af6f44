// Command-line login: a loopback redirect (RFC 8252), or the device flow
// (RFC 8628) with --device, then a call with the stored token.
//
//   node --import tsx examples/oauth-cli-login.ts [--device]
//
// With OAUTH_ISSUER and OAUTH_CLIENT_ID (a public/native client) it talks to
// your provider and prints the URL for you to open. Without them it starts a
// local oidc-provider (the one the tests use) and plays the user itself, so
// the example runs anywhere.
import { oauth2 } from "ballast/oauth";
import { authorizeInBrowser, confirmDeviceCode, startProvider } from "../test/oauth/support/provider.js";

const device = process.argv.includes("--device");
const local = process.env.OAUTH_ISSUER ? undefined : await startProvider();

const oauth = oauth2({
  issuer: process.env.OAUTH_ISSUER ?? (local?.issuer as string),
  clientId: process.env.OAUTH_CLIENT_ID ?? "cli",
  scopes: ["openid", "offline_access"],
  // Only the local provider runs on plain http.
  allowInsecureRequests: local !== undefined,
});

try {
  if (device) {
    const login = await oauth.deviceAuthorization({ connectionId: "me" });
    console.log(`Open ${login.verificationUri} and enter ${login.userCode}`);
    if (local) void confirmDeviceCode(login.verificationUri, login.userCode, { user: "demo" });
    await login.wait();
  } else {
    const { claims } = await oauth.loopbackLogin({
      connectionId: "me",
      open: async (url) => {
        console.log(`Open this URL to sign in:\n${url}`);
        // The local provider needs no human: follow the login and the redirect back.
        if (local) await fetch(await authorizeInBrowser(url, { user: "demo" }));
      },
    });
    console.log(`Signed in as ${claims?.sub}`);
  }
  const tokens = await oauth.tokens.get("me");
  console.log(`Access token expires at ${new Date(tokens.expiresAt ?? 0).toISOString()}; refresh token stored: ${tokens.refreshToken !== undefined}`);
  await oauth.refresh("me");
  console.log("Refreshed (the refresh token was rotated and stored).");
} finally {
  await local?.close();
}
