// The Redis commands the OAuth token store sends, as a plain structural type:
// `ballast/oauth` declarations compile for users who have not installed
// ioredis (an ioredis `Redis` or `Cluster` fits it). `ballast/redis`, which
// needs ioredis, takes its `Redis` type directly.

/** An ioredis client, as far as the Redis token store uses it. */
export interface RedisTokenClient {
  hmget(key: string, ...fields: string[]): Promise<Array<string | null>>;
  eval(script: string, numKeys: number, ...args: Array<string | number>): Promise<unknown>;
  del(...keys: string[]): Promise<number>;
  scan(cursor: string, matchOption: "MATCH", pattern: string, countOption: "COUNT", count: number): Promise<[cursor: string, keys: string[]]>;
  /** A cluster client's master nodes (ioredis `Cluster`); SCAN walks one server, so each is scanned. */
  nodes?(role: "master"): RedisTokenClient[];
}
