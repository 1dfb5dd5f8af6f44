import { ConfigError } from "../../errors.js";
import type { RedisTokenClient } from "../../peers/redis.js";
import type { EncryptionOptions } from "../encryption.js";
import { type EncryptedTokenStore, encryptedTokenStore } from "./encrypted.js";
import type { CiphertextBackend } from "./types.js";

export interface RedisTokenStoreOptions {
  encryption: EncryptionOptions;
  /** Key prefix (default `ballast:oauth:tokens:`). */
  prefix?: string;
}

// One hash per connection: v = version, c = ciphertext. Compare-and-set in one script.
const PUT = `
local v = tonumber(redis.call('HGET', KEYS[1], 'v') or '0')
if ARGV[2] ~= '' and v ~= tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], 'v', v + 1, 'c', ARGV[1])
return 1`;

/** The Redis backend alone (ciphertexts), for tests that inspect what is held at rest. */
export function redisCiphertextBackend(redis: RedisTokenClient, prefix = "ballast:oauth:tokens:"): CiphertextBackend {
  return {
    kind: "redis",
    async get(id) {
      const [v, c] = await redis.hmget(prefix + id, "v", "c");
      return v == null || c == null ? undefined : { value: c, version: Number(v) };
    },
    async put(id, ciphertext, expectedVersion) {
      const ok = await redis.eval(PUT, 1, prefix + id, ciphertext, expectedVersion === undefined ? "" : String(expectedVersion));
      return ok === 1;
    },
    async delete(id) {
      await redis.del(prefix + id);
    },
    async ids() {
      // SCAN walks one server: on a cluster, walk every master.
      const servers = typeof redis.nodes === "function" ? redis.nodes("master") : [redis];
      const pattern = `${prefix.replace(/[*?[\]\\]/g, "\\$&")}*`;
      const out: string[] = [];
      for (const server of servers) {
        let cursor = "0";
        do {
          const [next, keys] = await server.scan(cursor, "MATCH", pattern, "COUNT", 200);
          cursor = next;
          for (const k of keys) out.push(k.slice(prefix.length));
        } while (cursor !== "0");
      }
      return out;
    },
    // The client was passed in: the caller closes it.
    async close() {},
  };
}

/** Tokens in Redis (shared by every process), encrypted at rest. */
export function redisTokenStore(redis: RedisTokenClient, options: RedisTokenStoreOptions): EncryptedTokenStore {
  if (redis === null || typeof redis !== "object" || typeof (redis as { eval?: unknown }).eval !== "function") {
    throw new ConfigError("redisTokenStore(redis)", "must be an ioredis client or cluster client");
  }
  return encryptedTokenStore(redisCiphertextBackend(redis, options?.prefix), options?.encryption, "redisTokenStore.encryption");
}
