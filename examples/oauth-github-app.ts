// A GitHub App: sign the short-lived app JWT (RS256, iat backdated 60 s,
// at most 10 minutes), then exchange it for an installation token.
//
//   GITHUB_APP_ID=123 GITHUB_APP_PRIVATE_KEY="$(cat app.private-key.pem)" GITHUB_INSTALLATION_ID=456 \
//   node --import tsx examples/oauth-github-app.ts
import { createClient } from "ballast";
import { jwtAssertion } from "ballast/oauth";

const appJwt = jwtAssertion({
  privateKey: process.env.GITHUB_APP_PRIVATE_KEY ?? "",
  alg: "RS256",
  issuer: process.env.GITHUB_APP_ID ?? "",
  expiresIn: "9m",
  backdate: "60s",
  jti: false,
});

const asApp = createClient({
  baseUrl: "https://api.github.com",
  auth: appJwt.auth, // one JWT reused until a fifth of its life is left
  headers: { accept: "application/vnd.github+json", "user-agent": "ballast-example" },
});

const installation = await asApp.post<{ token: string; expires_at: string }>("/app/installations/:id/access_tokens", {
  params: { id: process.env.GITHUB_INSTALLATION_ID ?? "" },
});
console.log(`installation token expires at ${installation.expires_at}`);
await asApp.close();
