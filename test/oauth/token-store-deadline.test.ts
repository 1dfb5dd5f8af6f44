/**
 * A stalled token store (Redis that accepts and never answers, ioredis on its
 * default options, which wait for ever) cannot hold a call past its deadline
 * or its signal: the wait for the stored token ends with the call.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Redis } from "ioredis";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createClient } from "../../src/client/create-client.js";
import { isAbortError, isTimeoutError } from "../../src/errors.js";
import { generateEncryptionKey, oauth2, redisTokenStore, TokenManager } from "../../src/oauth/index.js";
import { type FaultServer, stallingServer } from "../support/redis-faults.js";
import { describeRedis } from "../support/services.js";

let stalled: FaultServer;
let redis: Redis;
let api: http.Server;
let apiUrl: string;
let served = 0;
const encryption = { keys: { k1: generateEncryptionKey() }, current: "k1" };

beforeAll(async () => {
  stalled = await stallingServer();
  redis = new Redis({ port: stalled.port, host: "127.0.0.1" });
  redis.on("error", () => {});
  api = http.createServer((_req, res) => {
    served++;
    res.end("{}");
  });
  await new Promise<void>((resolve) => api.listen(0, "127.0.0.1", resolve));
  apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
});
afterAll(async () => {
  redis.disconnect();
  await stalled.close();
  await new Promise<void>((resolve) => api.close(() => resolve()));
});

describeRedis("a token store that never answers", () => {
  it("TokenManager.get() ends when its signal aborts", async () => {
    const tokens = new TokenManager({ store: redisTokenStore(redis, { encryption }), renew: () => Promise.reject(new Error("not reached")) });
    const error = await tokens.get("c1", { signal: AbortSignal.timeout(150) }).catch((e: unknown) => e);
    expect(isAbortError(error)).toBe(true);
  });

  it("a call authorized from it ends at its deadline with TimeoutError, and the API is not called", async () => {
    const provider = oauth2({
      endpoints: { token: `${apiUrl}/token` },
      allowInsecureRequests: true,
      clientId: "id",
      clientSecret: "not-a-real-secret",
      tokenStore: redisTokenStore(redis, { encryption }),
    });
    const client = createClient({ baseUrl: apiUrl, auth: provider.auth("c1"), retry: false, timeout: 200 });
    try {
      const error = await client.get("/x").catch((e: unknown) => e);
      expect(isTimeoutError(error)).toBe(true);
      expect(served).toBe(0);
    } finally {
      await client.close();
    }
  });
});
