// A web app that connects users' accounts at an OAuth provider (authorization
// code + PKCE), stores their tokens encrypted, and calls the API for them.
//
//   OAUTH_ISSUER=https://accounts.example.com OAUTH_CLIENT_ID=... OAUTH_CLIENT_SECRET=... \
//   API_BASE_URL=https://api.example.com TOKEN_KEY=$(node -e 'console.log(require("crypto").randomBytes(32).toString("base64url"))') \
//   node --import tsx examples/oauth-express-callback.ts
//
// Register http://127.0.0.1:3000/oauth/callback as the redirect URI. With
// REDIS_URL set, tokens, state and refresh locks are shared by every instance.

import { createClient } from "ballast";
import { isReauthorizationRequiredError, isStateMismatchError, memoryTokenStore, oauth2, redisTokenStore } from "ballast/oauth";
import { redisStore } from "ballast/redis";
import express from "express";
import { Redis } from "ioredis";

const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`set ${name}`);
  return v;
};

const encryption = { keys: { k1: env("TOKEN_KEY") }, current: "k1" };
const redis = process.env.REDIS_URL ? new Redis(process.env.REDIS_URL) : undefined;

const oauth = oauth2({
  issuer: env("OAUTH_ISSUER"),
  clientId: env("OAUTH_CLIENT_ID"),
  clientSecret: env("OAUTH_CLIENT_SECRET"),
  redirectUri: "http://127.0.0.1:3000/oauth/callback",
  scopes: ["openid", "offline_access"],
  tokenStore: redis ? redisTokenStore(redis, { encryption }) : memoryTokenStore({ encryption }),
  ...(redis && { store: redisStore(redis) }),
  onReauthorizationRequired: ({ connectionId }) => console.warn(`user ${connectionId} must reconnect`),
});

const app = express();

// In a real app the user id comes from your session.
const userId = (req: express.Request) => String(req.query.user ?? "demo-user");

app.get("/connect", async (req, res) => {
  res.redirect(await oauth.authorizationUrl({ connectionId: userId(req) }));
});

app.get("/oauth/callback", async (req, res) => {
  try {
    const { connectionId } = await oauth.handleCallback(req.query);
    res.send(`Connected ${connectionId}. <a href="/me?user=${encodeURIComponent(connectionId)}">Call the API</a>`);
  } catch (e) {
    res.status(isStateMismatchError(e) ? 400 : 502).send((e as Error).message);
  }
});

app.get("/me", async (req, res) => {
  const api = createClient({ baseUrl: env("API_BASE_URL"), auth: oauth.auth(userId(req)) });
  try {
    res.json(await api.get("/userinfo"));
  } catch (e) {
    if (isReauthorizationRequiredError(e)) res.redirect(`/connect?user=${encodeURIComponent(userId(req))}`);
    else res.status(502).send((e as Error).message);
  } finally {
    await api.close();
  }
});

app.listen(3000, "127.0.0.1", () => console.log("open http://127.0.0.1:3000/connect"));
