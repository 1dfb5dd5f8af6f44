import CachePolicy from "http-cache-semantics";
import { type CacheLookupEvent, CHANNELS, channel } from "../../channels.js";
import { type Clock, systemClock } from "../../clock.js";
import { trusted } from "../../compose.js";
import { ConfigError, describeRequest } from "../../errors.js";
import { isSecretHeader } from "../../redact.js";
import { awaitStore } from "../../stores/bounded.js";
import type { ApiRequest, ApiResponse, Middleware, Next, RequestHeaders } from "../../types.js";
import { type Duration, toMillis } from "../../util/duration.js";
import { type CredentialKey, fingerprint } from "../../util/fingerprint.js";
import { integerOption } from "../../util/options.js";
import { bodyFrom, bufferUpTo } from "./body.js";
import { type CacheStore, lruCacheStore } from "./store.js";

export interface CacheOptions {
  /**
   * Where entries live. Default: an in-memory LRU bounded by `maxBytes`.
   * Pass `memoryStore()` or `redisStore(redis)` (`ballast/redis`) to share
   * the cache; entries then expire by the store's TTL.
   */
  store?: CacheStore;
  /** Size bound of the default in-memory store (default 50 MB). */
  maxBytes?: number;
  /** Responses larger than this are passed through, never stored (default 5 MB). */
  maxEntryBytes?: number;
  /**
   * Evaluate as a shared cache (RFC 9111 §3.5): `private` responses are not
   * stored and `s-maxage` applies. Default false: a client's cache belongs to
   * its credentials, like a browser's. Set true when one cache serves several users.
   */
  shared?: boolean;
  /** How long a stale entry that has a validator (`ETag`, `Last-Modified`) is kept for revalidation (default `"1h"`). */
  keepStale?: Duration;
  /**
   * Extra key material, e.g. a tenant. Entries are already partitioned by
   * credential (see `credential`); add here what else makes two responses differ.
   */
  partition?: (req: ApiRequest) => string;
  /**
   * Who a request is sent as, since auth runs inside the cache and the cache never
   * sees it: a function returning a stable key for the credential (a fingerprint,
   * never the secret), or `"unknown"` for an auth the cache cannot identify (then
   * only `Cache-Control: public` responses are stored). `createClient` sets it
   * from its `auth`. Credential headers on the request itself (`authorization`,
   * `x-api-key`, cookies, ...) always partition.
   */
  credential?: CredentialKey | "unknown";
  /** Key prefix in the store (default `"ballast:cache:"`). */
  prefix?: string;
  clock?: Clock;
}

export interface CacheStats {
  /** Answered from the cache without contacting the server. */
  hits: number;
  /** Stale entries confirmed by a 304: the cached body was reused. */
  revalidated: number;
  /** No usable entry: the request went to the server. */
  misses: number;
  /** Responses written to the store. */
  stored: number;
  /** Entries removed after a successful unsafe request (POST, PUT, PATCH, DELETE) to the same URL. */
  invalidated: number;
  /** Store failures; the request went on without the cache. */
  storeErrors: number;
  /** Entries and bytes in the default in-memory store (absent with a custom store). */
  size?: { entries: number; bytes: number };
}

/** Header set on responses served from the cache: `HIT` or `REVALIDATED`. */
export const CACHE_STATUS_HEADER = "x-ballast-cache";

interface Entry {
  /** http-cache-semantics' serialised policy (holds the response headers). */
  policy: CachePolicy.CachePolicyObject;
  status: number;
  /** Body, base64. */
  body: string;
  /** Only `public` entries may be served to a request with a credential. */
  explicitlyPublic?: boolean;
}

/** RFC 9111 §3.5: a response to a request with credentials may be shared only when it says `public` and does not vary on them. */
function explicitlyPublic(headers: ApiResponse["headers"]): boolean {
  const cc = String(headers["cache-control"] ?? "").toLowerCase();
  if (!/(?:^|,)\s*public\s*(?:,|$)/.test(cc)) return false;
  const vary = String(headers.vary ?? "").toLowerCase();
  return !/(?:^|,)\s*(?:\*|authorization|cookie)\s*(?:,|$)/.test(vary);
}

/** A fingerprint of the credential headers a request carries itself (per-call `authorization`, keys, cookies). */
function headerCredential(headers: RequestHeaders): string {
  let out = "";
  for (const name in headers) if (isSecretHeader(name)) out += `${name}:${headers[name]}\n`;
  return out === "" ? "" : fingerprint(out);
}

const SAFE = new Set(["GET", "HEAD"]);
const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** http-cache-semantics reads the time through `now()`; route it to the injected clock. */
function policyClass(clock: Clock): typeof CachePolicy {
  return class ClockedCachePolicy extends CachePolicy {
    now(): number {
      return clock.now();
    }
  } as typeof CachePolicy;
}

function requestHeaders(h: CachePolicy.Headers): RequestHeaders {
  const out: RequestHeaders = {};
  for (const k in h) {
    const v = h[k];
    if (v !== undefined) out[k] = Array.isArray(v) ? v.join(", ") : v;
  }
  return out;
}

/**
 * The policy keeps the request's headers to match `Vary` later; keep only the
 * ones `Vary` names, so an API key sent as a header is never written to the store.
 */
function withoutUnvariedHeaders(obj: CachePolicy.CachePolicyObject): CachePolicy.CachePolicyObject {
  if (obj.reqh === null) return obj;
  const vary = String(obj.resh.vary ?? "")
    .toLowerCase()
    .split(",")
    .map((v) => v.trim())
    .filter(Boolean);
  const kept: CachePolicy.Headers = {};
  for (const name of vary) if (obj.reqh[name] !== undefined) kept[name] = obj.reqh[name];
  return { ...obj, reqh: kept };
}

const lookupChannel = channel(CHANNELS.cacheLookup);

function announce(result: CacheLookupEvent["result"], req: ApiRequest): void {
  if (lookupChannel.hasSubscribers) lookupChannel.publish({ result, request: describeRequest(req), route: req.route });
}

/**
 * RFC 9111 HTTP caching, using http-cache-semantics for the rules: freshness
 * (`max-age`, `Expires`, heuristics), revalidation with `ETag` /
 * `Last-Modified` and 304, `Vary`, `no-store`, `no-cache`, `private`. Only
 * GET and HEAD are served from the cache; a successful POST/PUT/PATCH/DELETE
 * to a URL drops its entry. Place it outermost (the client does).
 */
export function cache(options: CacheOptions = {}): Middleware & { stats(): CacheStats } {
  const clock = options.clock ?? systemClock;
  const maxEntryBytes = integerOption(options.maxEntryBytes ?? 5 * 2 ** 20, "cache.maxEntryBytes");
  const keepStale = toMillis(options.keepStale ?? "1h", "cache.keepStale");
  const prefix = options.prefix ?? "ballast:cache:";
  const shared = options.shared ?? false;
  if (options.store !== undefined && (typeof options.store.get !== "function" || typeof options.store.set !== "function")) {
    throw new ConfigError("cache.store", "must be a Store (get, set, delete), e.g. memoryStore() or redisStore(redis)");
  }
  const lru = options.store === undefined ? lruCacheStore(integerOption(options.maxBytes ?? 50 * 2 ** 20, "cache.maxBytes"), clock) : undefined;
  const store: CacheStore = options.store ?? (lru as CacheStore);
  const Policy = policyClass(clock);
  const counts = { hits: 0, revalidated: 0, misses: 0, stored: 0, invalidated: 0, storeErrors: 0 };

  if (options.credential !== undefined && options.credential !== "unknown" && typeof options.credential !== "function")
    throw new ConfigError("cache.credential", 'must be a function (req) => key or "unknown"');
  const credential = options.credential;

  /** `identity` "" is no credential; undefined is a credential the cache cannot identify. */
  const keyOf = (req: ApiRequest, method: string, identity: string | undefined) =>
    `${prefix}${options.partition ? `${options.partition(req)}|` : ""}${identity ? `@${identity}|` : ""}${method} ${req.origin}${req.path}`;

  async function identify(req: ApiRequest): Promise<string | undefined> {
    const own = headerCredential(req.headers);
    if (credential === "unknown") return undefined;
    const auth = credential === undefined ? "" : await credential(req);
    return auth === "" ? own : own === "" ? auth : fingerprint(`${auth}\n${own}`);
  }

  /** A store call bounded by the request's deadline and signal; the cache fails open (a miss, nothing stored) when it fails. */
  const bounded = <T>(operation: string, req: ApiRequest, call: () => Promise<T>) =>
    awaitStore(operation, call, { clock, deadline: req.deadline, signal: req.signal });

  async function load(key: string, req: ApiRequest): Promise<Entry | undefined> {
    try {
      const raw = await bounded("get", req, () => store.get(key));
      return raw === undefined ? undefined : (JSON.parse(raw) as Entry);
    } catch {
      counts.storeErrors++;
      return undefined;
    }
  }

  /** `body` is the bytes, or (a string) the already base64-encoded body of an existing entry. */
  async function save(key: string, policy: CachePolicy, status: number, body: Buffer | string, isPublic: boolean, req: ApiRequest): Promise<void> {
    const validators = policy.responseHeaders().etag !== undefined || policy.responseHeaders()["last-modified"] !== undefined;
    const ttl = Math.max(0, policy.timeToLive()) + (validators ? keepStale : 0);
    if (ttl <= 0) return;
    const entry: Entry = {
      policy: withoutUnvariedHeaders(policy.toObject()),
      status,
      body: typeof body === "string" ? body : body.toString("base64"),
      explicitlyPublic: isPublic,
    };
    try {
      await bounded("set", req, () => store.set(key, JSON.stringify(entry), Math.ceil(ttl)));
      counts.stored++;
    } catch {
      counts.storeErrors++;
    }
  }

  function fromEntry(entry: Entry, policy: CachePolicy, req: ApiRequest, how: "HIT" | "REVALIDATED"): ApiResponse {
    const headers = { ...policy.responseHeaders(), [CACHE_STATUS_HEADER]: how };
    const body = req.method === "HEAD" ? null : bodyFrom(Buffer.from(entry.body, "base64"));
    return { status: entry.status, headers, body, request: req, attempts: 0 };
  }

  /**
   * Stores `res` when the rules allow it, returning a response whose body the caller can still read.
   * A response to a credential goes under that credential's key unless it is explicitly public.
   */
  async function storeResponse(keys: Keys, httpReq: CachePolicy.Request, res: ApiResponse): Promise<ApiResponse> {
    const policy = new Policy(httpReq, { status: res.status, headers: res.headers }, { shared });
    if (!policy.storable() || policy.timeToLive() + keepStale <= 0) return res;
    const isPublic = explicitlyPublic(res.headers);
    const key = isPublic || keys.own === keys.everyone ? keys.everyone : keys.own;
    if (key === undefined) return res;
    const length = Number(res.headers["content-length"]);
    if (Number.isFinite(length) && length > maxEntryBytes) return res;
    if (res.body === null) {
      await save(key, policy, res.status, "", isPublic, res.request);
      return res;
    }
    const buffered = await bufferUpTo(res.body, maxEntryBytes);
    if (!buffered.complete) return { ...res, body: buffered.body };
    await save(key, policy, res.status, buffered.data, isPublic, res.request);
    return { ...res, body: bodyFrom(buffered.data) };
  }

  /** Where a request's entries live: `everyone` (anonymous or explicitly public) and `own` (its credential's; undefined when unidentifiable). */
  interface Keys {
    everyone: string;
    own: string | undefined;
  }

  async function keysOf(req: ApiRequest, method: string): Promise<Keys> {
    const identity = await identify(req);
    const everyone = keyOf(req, method, "");
    return { everyone, own: identity === undefined ? undefined : identity === "" ? everyone : keyOf(req, method, identity) };
  }

  /** The entry for `keys`: the credential's own, else a shared one it may read. */
  async function lookup(keys: Keys, req: ApiRequest): Promise<{ key: string; entry: Entry } | undefined> {
    if (keys.own !== undefined) {
      const own = await load(keys.own, req);
      if (own !== undefined) return { key: keys.own, entry: own };
      if (keys.own === keys.everyone) return undefined;
    }
    const shared = await load(keys.everyone, req);
    return shared?.explicitlyPublic ? { key: keys.everyone, entry: shared } : undefined;
  }

  const cacheMiddleware = async (req: ApiRequest, next: Next): Promise<ApiResponse> => {
    if (!SAFE.has(req.method)) {
      const res = await next(req);
      if (UNSAFE.has(req.method) && res.status >= 200 && res.status < 400) {
        try {
          const [get, head] = await Promise.all([keysOf(req, "GET"), keysOf(req, "HEAD")]);
          const keys = new Set([get.everyone, get.own, head.everyone, head.own].filter((k) => k !== undefined));
          await bounded("delete", req, () => Promise.all([...keys].map((k) => store.delete(k))));
          counts.invalidated++;
        } catch {
          counts.storeErrors++;
        }
      }
      return res;
    }
    // A caller sending its own conditional headers manages validation itself.
    if (req.headers["if-none-match"] !== undefined || req.headers["if-modified-since"] !== undefined) return next(req);

    const keys = await keysOf(req, req.method);
    const httpReq: CachePolicy.Request = { url: req.path, method: req.method, headers: req.headers };
    const found = await lookup(keys, req);
    if (found === undefined) {
      counts.misses++;
      announce("miss", req);
      return storeResponse(keys, httpReq, await next(req));
    }
    const { key, entry } = found;
    const policy = Policy.fromObject(entry.policy);
    if (policy.satisfiesWithoutRevalidation(httpReq)) {
      counts.hits++;
      announce("hit", req);
      return fromEntry(entry, policy, req, "HIT");
    }
    const revalidation: CachePolicy.Request = { ...httpReq, headers: policy.revalidationHeaders(httpReq) };
    const res = await next({ ...req, headers: requestHeaders(revalidation.headers) });
    const { policy: updated, modified } = policy.revalidatedPolicy(revalidation, { status: res.status, headers: res.headers });
    if (!modified) {
      res.body?.resume();
      counts.revalidated++;
      announce("revalidated", req);
      await save(key, updated, entry.status, entry.body, entry.explicitlyPublic === true, req);
      return fromEntry(entry, updated, req, "REVALIDATED");
    }
    counts.misses++;
    announce("miss", req);
    if (res.status === 304) {
      // A 304 that does not match the stored validator cannot be used: ask again, unconditionally.
      res.body?.resume();
      return storeResponse(keys, httpReq, await next(req));
    }
    return storeResponse(keys, httpReq, res);
  };

  return Object.assign(trusted(cacheMiddleware), {
    stats(): CacheStats {
      return lru === undefined ? { ...counts } : { ...counts, size: lru.size() };
    },
  });
}
