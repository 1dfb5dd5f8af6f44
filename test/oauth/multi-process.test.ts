import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { afterAll, beforeAll, expect, it } from "vitest";
import { generateEncryptionKey, oauth2, redisTokenStore } from "../../src/oauth/index.js";
import { describeRedis, REDIS_URL, uniqueName } from "../support/services.js";
import { startApi, type TestApi } from "./support/api.js";
import { authorizeInBrowser, startProvider, type TestProvider, WEB_REDIRECT } from "./support/provider.js";
import { webClientOptions } from "./support/servers.js";

const WORKER = fileURLToPath(new URL("./support/race-worker.ts", import.meta.url));
const PROCESSES = 3;
const REQUESTS = 20;

interface Worker {
  child: ChildProcessWithoutNullStreams;
  next(): Promise<string>;
}

function startWorker(env: Record<string, string>): Worker {
  const child = spawn(process.execPath, ["--import", "tsx", WORKER], { env: { ...process.env, ...env }, stdio: ["pipe", "pipe", "pipe"] });
  const queue: string[] = [];
  const waiting: Array<(line: string) => void> = [];
  let stderr = "";
  child.stderr.on("data", (c) => {
    stderr += c;
  });
  createInterface({ input: child.stdout }).on("line", (line) => {
    const w = waiting.shift();
    if (w) w(line);
    else queue.push(line);
  });
  child.on("exit", (code) => {
    if (code !== 0) for (const w of waiting.splice(0)) w(`exited ${code}: ${stderr}`);
  });
  return {
    child,
    next: () => (queue.length > 0 ? Promise.resolve(queue.shift() as string) : new Promise((resolve) => waiting.push(resolve))),
  };
}

describeRedis("refresh across processes sharing Redis", () => {
  let op: TestProvider;
  let api: TestApi;
  let redis: Redis;
  const prefix = `${uniqueName("oauth_race")}:`;
  const key = generateEncryptionKey();
  const workers: Worker[] = [];

  beforeAll(async () => {
    op = await startProvider();
    api = await startApi(op);
    redis = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    for (const w of workers) if (w.child.exitCode === null) w.child.kill();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    await api.close();
    await op.close();
  });

  const goAll = async () => {
    for (const w of workers) w.child.stdin.write("go\n");
    return Promise.all(
      workers.map(
        async (w) => JSON.parse(await w.next()) as { statuses: string[]; stats: { renewals: number; lockWaits: number }; reauthorizations: string[] },
      ),
    );
  };

  it(`${PROCESSES} processes x ${REQUESTS} concurrent requests with an expired token: exactly one refresh at the server; invalid_grant stops everyone`, async () => {
    // Log the user in here; the tokens go to Redis, encrypted.
    const tokenStore = redisTokenStore(redis, { encryption: { keys: { k1: key }, current: "k1" }, prefix: `${prefix}tokens:` });
    const oauth = oauth2({
      ...webClientOptions(op),
      tokenStore,
    });
    await oauth.handleCallback(await authorizeInBrowser(await oauth.authorizationUrl({ connectionId: "shared" })));
    const login = await oauth.tokens.peek("shared");
    await oauth.tokens.set(
      "shared",
      { ...(login?.tokens as NonNullable<typeof login>["tokens"]), expiresAt: Date.now() - 1000 },
      { grant: "authorization_code" },
    );

    const env = {
      RACE_CONFIG: JSON.stringify({
        issuer: op.issuer,
        clientSecret: op.secrets.web,
        redirectUri: WEB_REDIRECT,
        redisUrl: REDIS_URL,
        prefix,
        key,
        connectionId: "shared",
        api: api.origin,
        requests: REQUESTS,
      }),
    };
    for (let i = 0; i < PROCESSES; i++) workers.push(startWorker(env));
    expect(await Promise.all(workers.map((w) => w.next()))).toEqual(Array(PROCESSES).fill("ready"));

    const refreshes = () => op.tokenRequests.get("refresh_token") ?? 0;
    const before = refreshes();
    const first = await goAll();
    expect(first.flatMap((r) => r.statuses)).toEqual(Array(PROCESSES * REQUESTS).fill("200"));
    expect(refreshes() - before).toBe(1);
    expect(first.reduce((n, r) => n + r.stats.renewals, 0)).toBe(1);
    const rotated = await oauth.tokens.peek("shared");
    expect(rotated?.tokens.refreshToken).not.toBe(login?.tokens.refreshToken);
    // No refresh token was refused: none was sent twice.
    expect(op.grantErrors.get("invalid_grant") ?? 0).toBe(0);

    // The user revokes access; the access token expires; every process asks at once.
    await oauth.revoke("shared", { token: "refresh_token", keep: true });
    await oauth.tokens.set(
      "shared",
      { ...(rotated?.tokens as NonNullable<typeof rotated>["tokens"]), expiresAt: Date.now() - 1000 },
      { grant: "authorization_code" },
    );
    const second = await goAll();
    expect(second.flatMap((r) => r.statuses)).toEqual(Array(PROCESSES * REQUESTS).fill("reauth"));
    expect(refreshes() - before).toBe(2);
    expect(second.flatMap((r) => r.reauthorizations)).toEqual(["shared"]);
    expect(await oauth.tokens.status("shared")).toBe("reauthorization_required");

    // And it stays stopped: no more token requests.
    const third = await goAll();
    expect(third.flatMap((r) => r.statuses)).toEqual(Array(PROCESSES * REQUESTS).fill("reauth"));
    expect(refreshes() - before).toBe(2);
    for (const w of workers) w.child.stdin.write("exit\n");
  }, 60_000);
});
