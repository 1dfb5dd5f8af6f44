/**
 * One process of the multi-process refresh race: shares tokens and locks with
 * its siblings through Redis. On each "go" line on stdin it sends `requests`
 * concurrent API calls through the auth middleware and prints one JSON line.
 */
import { createInterface } from "node:readline";
import { Redis } from "ioredis";
import { compose } from "../../../src/compose.js";
import { isReauthorizationRequiredError, oauth2, redisTokenStore } from "../../../src/oauth/index.js";
import { redisStore } from "../../../src/stores/redis.js";
import { undiciTransport } from "../../../src/transport/undici.js";
import { apiRequest } from "../../support/request.js";

interface WorkerConfig {
  issuer: string;
  clientSecret: string;
  redirectUri: string;
  redisUrl: string;
  prefix: string;
  key: string;
  connectionId: string;
  api: string;
  requests: number;
}

const config = JSON.parse(process.env.RACE_CONFIG ?? "{}") as WorkerConfig;
const redis = new Redis(config.redisUrl);
const transport = undiciTransport();
const reauthorizations: string[] = [];
const oauth = oauth2({
  issuer: config.issuer,
  clientId: "web",
  clientSecret: config.clientSecret,
  redirectUri: config.redirectUri,
  allowInsecureRequests: true,
  tokenStore: redisTokenStore(redis, { encryption: { keys: { k1: config.key }, current: "k1" }, prefix: `${config.prefix}tokens:` }),
  store: redisStore(redis, { prefix: `${config.prefix}store:` }),
  onReauthorizationRequired: (e) => {
    reauthorizations.push(e.connectionId);
  },
});
const send = compose([oauth.auth(config.connectionId)], transport.send);

async function round(): Promise<void> {
  const outcomes = await Promise.allSettled(
    Array.from({ length: config.requests }, async () => {
      const res = await send(apiRequest(`${config.api}/me`));
      res.body?.resume();
      return res.status;
    }),
  );
  const statuses = outcomes.map((o) =>
    o.status === "fulfilled" ? String(o.value) : isReauthorizationRequiredError(o.reason) ? "reauth" : `error:${(o.reason as Error).message}`,
  );
  process.stdout.write(`${JSON.stringify({ statuses, stats: oauth.tokens.stats(), reauthorizations })}\n`);
}

const lines = createInterface({ input: process.stdin });
lines.on("line", (line) => {
  if (line === "go") void round();
  if (line === "exit") {
    lines.close();
    void transport.close().then(() => redis.quit().then(() => process.exit(0)));
  }
});
await oauth.tokens.status(config.connectionId); // connects and warms up
process.stdout.write("ready\n");
