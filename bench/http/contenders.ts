/**
 * The HTTP clients under test, each used the way its documentation shows,
 * with keep-alive, the auth header, and the JSON response parsed. Libraries
 * are imported lazily so a worker process loads only the one it measures.
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { FULL_PIPELINE } from "./full-pipeline.js";
import { AUTHORIZATION, CHARGE, ECHO_PATH, ITEM_PATH, TOKEN } from "./payloads.js";

/** One client bound to the benchmark server. */
export interface Calls {
  /** GET the small JSON item, resolving to the parsed body. */
  get(): Promise<unknown>;
  /** POST the small JSON charge, resolving to the parsed (echoed) body. */
  post(): Promise<unknown>;
  close(): Promise<void>;
}

export interface Contender {
  name: string;
  /** package.json (relative to the repo root) whose version is reported; undefined: Node's own fetch. */
  packageJson?: string;
  /** Library clients, as opposed to the raw transports (undici, fetch); the ≥ 2.5× target is about these. */
  peer: boolean;
  /** `ballastSrc`: the directory of ballast's src/ to load, as TypeScript or compiled (see compile-ballast.ts). */
  open(baseUrl: string, ballastSrc: string): Promise<Calls>;
}

const getHeaders = { authorization: AUTHORIZATION, accept: "application/json" };
const postHeaders = { ...getHeaders, "content-type": "application/json" };

function failed(status: number): Error {
  return new Error(`unexpected status ${status}`);
}

/** The same connection settings ballast's undici transport uses: pipelining 1, unlimited connections, 4 s keep-alive. */
export async function ballastLikeAgent() {
  const { Agent } = await import("undici");
  return new Agent({ pipelining: 1, keepAliveTimeout: 4000 });
}

type ClientOptions = Parameters<typeof import("../../src/client/create-client.js").createClient>[0];

/**
 * A ballast client with bearer auth and `options`, loaded from `ballastSrc` (usually the compiled copy; typed
 * from the TypeScript source), making the GET and POST every contender makes; `cleanUp` runs after it closes.
 */
async function openBallast(
  baseUrl: string,
  ballastSrc: string,
  options: Omit<ClientOptions, "baseUrl" | "auth"> = {},
  cleanUp?: () => Promise<void>,
): Promise<Calls> {
  const { createClient }: typeof import("../../src/client/create-client.js") = await import(pathToFileURL(join(ballastSrc, "client/create-client.js")).href);
  const { bearer }: typeof import("../../src/middleware/auth/auth.js") = await import(pathToFileURL(join(ballastSrc, "middleware/auth/auth.js")).href);
  const client = createClient({ ...options, baseUrl, auth: bearer(TOKEN) });
  return {
    get: () => client.get(ITEM_PATH),
    post: () => client.post(ECHO_PATH, { json: CHARGE }),
    async close() {
      await client.close();
      await cleanUp?.();
    },
  };
}

/** ballast with its full default pipeline: auth, retry, attempt and total timeouts; logging off. */
const ballast: Contender = {
  name: "ballast",
  packageJson: "package.json",
  peer: false,
  async open(baseUrl, ballastSrc) {
    return openBallast(baseUrl, ballastSrc);
  },
};

/**
 * ballast as a production user configures it: the default pipeline plus a
 * memory rate limit with two limits, a circuit breaker and a concurrency
 * limit, all set so that nothing ever waits or trips (what a limit that never
 * binds costs), per-route stats on as always.
 */
const ballastProduction: Contender = {
  name: "ballast (full pipeline)",
  packageJson: "package.json",
  peer: false,
  async open(baseUrl, ballastSrc) {
    return openBallast(baseUrl, ballastSrc, FULL_PIPELINE);
  },
};

/**
 * The default pipeline plus the full pipeline's two rate limits (set so
 * nobody waits) in memory: what the Redis row below is measured against.
 */
const ballastMemoryRateLimit: Contender = {
  name: "ballast (memory rate limit)",
  packageJson: "package.json",
  peer: false,
  async open(baseUrl, ballastSrc) {
    return openBallast(baseUrl, ballastSrc, { rateLimit: FULL_PIPELINE.rateLimit });
  },
};

/**
 * The default pipeline plus a rate limit (the full pipeline's two limits, set
 * so nobody waits) kept in Redis (`redisStore`, REDIS_URL or
 * 127.0.0.1:6379): one EVALSHA per request when requests do not overlap, one
 * per batch of the acquires that arrive while a call is out when they do
 * (BENCH_REDIS_AUTOPIPELINING=1 turns on ioredis' auto-pipelining). Not in
 * the HTTP suite's list; for bench/suites/http-redis.ts and compare.ts
 * (`--contenders "ballast (redis rate limit)"`).
 */
const ballastRedisRateLimit: Contender = {
  name: "ballast (redis rate limit)",
  packageJson: "package.json",
  peer: false,
  async open(baseUrl, ballastSrc) {
    const { redisStore }: typeof import("../../src/stores/redis.js") = await import(pathToFileURL(join(ballastSrc, "stores/redis.js")).href);
    const { Redis } = await import("ioredis");
    // BENCH_REDIS_AUTOPIPELINING=1: ioredis sends the commands issued in one event-loop turn in one write.
    const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", { enableAutoPipelining: process.env.BENCH_REDIS_AUTOPIPELINING === "1" });
    const prefix = `bench-http:${process.pid}:`;
    return openBallast(baseUrl, ballastSrc, { store: redisStore(redis, { prefix }), rateLimit: FULL_PIPELINE.rateLimit }, async () => {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    });
  },
};

/** The ceiling: undici's `request()` on a keep-alive Agent configured like ballast's. */
const undiciRequest: Contender = {
  name: "undici.request",
  packageJson: "node_modules/undici/package.json",
  peer: false,
  async open(baseUrl) {
    const { request } = await import("undici");
    const dispatcher = await ballastLikeAgent();
    const itemUrl = baseUrl + ITEM_PATH;
    const echoUrl = baseUrl + ECHO_PATH;
    return {
      async get() {
        const res = await request(itemUrl, { dispatcher, headers: getHeaders });
        if (res.statusCode >= 300) {
          await res.body.dump();
          throw failed(res.statusCode);
        }
        return res.body.json();
      },
      async post() {
        const res = await request(echoUrl, { dispatcher, method: "POST", headers: postHeaders, body: JSON.stringify(CHARGE) });
        if (res.statusCode >= 300) {
          await res.body.dump();
          throw failed(res.statusCode);
        }
        return res.body.json();
      },
      close: () => dispatcher.close(),
    };
  },
};

const undiciFetch: Contender = {
  name: "undici fetch",
  packageJson: "node_modules/undici/package.json",
  peer: false,
  async open(baseUrl) {
    const { fetch } = await import("undici");
    const dispatcher = await ballastLikeAgent();
    const itemUrl = baseUrl + ITEM_PATH;
    const echoUrl = baseUrl + ECHO_PATH;
    return {
      async get() {
        const res = await fetch(itemUrl, { dispatcher, headers: getHeaders });
        if (!res.ok) throw failed(res.status);
        return res.json();
      },
      async post() {
        const res = await fetch(echoUrl, { dispatcher, method: "POST", headers: postHeaders, body: JSON.stringify(CHARGE) });
        if (!res.ok) throw failed(res.status);
        return res.json();
      },
      close: () => dispatcher.close(),
    };
  },
};

/** Node's global fetch (its bundled undici, default keep-alive dispatcher). */
const nodeFetch: Contender = {
  name: "Node fetch",
  peer: false,
  async open(baseUrl) {
    const itemUrl = baseUrl + ITEM_PATH;
    const echoUrl = baseUrl + ECHO_PATH;
    return {
      async get() {
        const res = await fetch(itemUrl, { headers: getHeaders });
        if (!res.ok) throw failed(res.status);
        return res.json();
      },
      async post() {
        const res = await fetch(echoUrl, { method: "POST", headers: postHeaders, body: JSON.stringify(CHARGE) });
        if (!res.ok) throw failed(res.status);
        return res.json();
      },
      close: async () => {},
    };
  },
};

const got: Contender = {
  name: "got",
  packageJson: "node_modules/got/package.json",
  peer: true,
  async open(baseUrl) {
    const { default: got } = await import("got");
    const { Agent } = await import("node:http");
    const agent = new Agent({ keepAlive: true });
    const api = got.extend({ prefixUrl: baseUrl, agent: { http: agent }, headers: { authorization: AUTHORIZATION } });
    return {
      get: () => api.get(ITEM_PATH.slice(1)).json(),
      post: () => api.post(ECHO_PATH.slice(1), { json: CHARGE }).json(),
      close: async () => agent.destroy(),
    };
  },
};

/** ky over Node's global fetch. */
const ky: Contender = {
  name: "ky",
  packageJson: "node_modules/ky/package.json",
  peer: true,
  async open(baseUrl) {
    const { default: ky } = await import("ky");
    const api = ky.create({ prefixUrl: baseUrl, headers: { authorization: AUTHORIZATION } });
    return {
      get: () => api.get(ITEM_PATH.slice(1)).json(),
      post: () => api.post(ECHO_PATH.slice(1), { json: CHARGE }).json(),
      close: async () => {},
    };
  },
};

const axios: Contender = {
  name: "axios",
  packageJson: "node_modules/axios/package.json",
  peer: true,
  async open(baseUrl) {
    const { default: axios } = await import("axios");
    const { Agent } = await import("node:http");
    const httpAgent = new Agent({ keepAlive: true });
    const api = axios.create({ baseURL: baseUrl, httpAgent, headers: { authorization: AUTHORIZATION } });
    return {
      get: async () => (await api.get(ITEM_PATH)).data,
      post: async () => (await api.post(ECHO_PATH, CHARGE)).data,
      close: async () => httpAgent.destroy(),
    };
  },
};

/** ofetch over Node's global fetch. */
const ofetch: Contender = {
  name: "ofetch",
  packageJson: "node_modules/ofetch/package.json",
  peer: true,
  async open(baseUrl) {
    const { ofetch } = await import("ofetch");
    const api = ofetch.create({ baseURL: baseUrl, headers: { authorization: AUTHORIZATION } });
    return {
      get: () => api(ITEM_PATH),
      post: () => api(ECHO_PATH, { method: "POST", body: CHARGE }),
      close: async () => {},
    };
  },
};

/** In table order; the first raw transport after ballast is the baseline. */
export const CONTENDERS: ReadonlyArray<Contender> = [ballast, ballastProduction, undiciRequest, undiciFetch, nodeFetch, got, ky, axios, ofetch];
export const BASELINE = undiciRequest.name;

/** Contenders for compare.ts, profile.ts and the http-redis suite only (not in the HTTP suite's table). */
const EXTRA: ReadonlyArray<Contender> = [ballastMemoryRateLimit, ballastRedisRateLimit];

export function findContender(name: string): Contender {
  const c = CONTENDERS.find((x) => x.name === name) ?? EXTRA.find((x) => x.name === name);
  if (c === undefined) throw new Error(`unknown contender ${JSON.stringify(name)}; one of ${CONTENDERS.map((x) => x.name).join(", ")}`);
  return c;
}
