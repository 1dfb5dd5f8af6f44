import { CHANNELS, channel } from "../channels.js";
import { type Clock, systemClock } from "../clock.js";
import { ConfigError } from "../errors.js";
import type { Lock, Store } from "../stores/types.js";
import { untilAborted } from "../util/abort.js";
import { type Duration, toMillis } from "../util/duration.js";
import { durationOption, integerOption } from "../util/options.js";
import { isOAuthError, OAuthError, type ReauthorizationReason, ReauthorizationRequiredError } from "./errors.js";
import type { TokenGrant, TokenRecord, TokenSet } from "./token-set.js";
import { namespacedTokenStore } from "./token-stores/namespaced.js";
import type { TokenStore, VersionedRecord } from "./token-stores/types.js";

const refreshChannel = channel(CHANNELS.tokenRefresh);

/** What a renewal knows about the connection: how it was made, and its current tokens (absent for a first client-credentials token). */
export interface RenewContext {
  grant: TokenGrant;
  scopes?: string[] | undefined;
  tokens?: TokenSet | undefined;
}

/**
 * Gets new tokens for a connection: the refresh token grant, or client
 * credentials again. Throw an `OAuthError` with `error: "invalid_grant"` when
 * the grant is refused for good.
 */
export type RenewTokens = (connectionId: string, context: RenewContext, signal: AbortSignal) => Promise<TokenSet>;

export interface ReauthorizationEvent {
  connectionId: string;
  reason: ReauthorizationReason;
  error: ReauthorizationRequiredError;
}

export interface TokenManagerOptions {
  /** Where tokens live (encrypted): `memoryTokenStore()`, `redisTokenStore()`, `sqlTokenStore()`. */
  store: TokenStore;
  renew: RenewTokens;
  /**
   * Locks shared by every process (`redisStore(ioredis)`): one refresh per
   * connection across the fleet. Without it, one refresh per connection per process.
   */
  locks?: Store | undefined;
  clock?: Clock | undefined;
  /** Refresh this long before the access token expires (default `"60s"`), but never earlier than half its lifetime. */
  refreshSkew?: Duration | undefined;
  /** How long one refresh may hold the cross-process lock (default `"30s"`); the token request is aborted before it runs out. */
  lockTtl?: Duration | undefined;
  /** Called once when a connection is marked as needing the user again. Errors it throws are ignored. */
  onReauthorizationRequired?: ((event: ReauthorizationEvent) => void | Promise<void>) | undefined;
  /**
   * How many connections' valid tokens to keep decrypted in this process, so a
   * request does not read (and decrypt) the store each time (default 10 000;
   * 0 turns it off). A cached token is used only while it is outside the
   * refresh skew and not refused by the API, so a refresh by another process
   * is picked up at the latest on expiry or on the first 401.
   */
  cacheSize?: number | undefined;
  /**
   * Prefix of every stored id and lock key, so registrations sharing a store
   * never read each other's tokens (`oauth2()` sets one per issuer + client id).
   */
  namespace?: string | undefined;
}

export interface GetTokenOptions {
  /** An access token the API just refused (401): a different one is wanted, even if it looks unexpired. */
  rejected?: string | undefined;
  /**
   * Stops waiting — for the token store as for a renewal (the shared refresh
   * itself continues for the others). A call's deadline aborts it, so a
   * stalled token store cannot hold a call past its deadline.
   */
  signal?: AbortSignal | undefined;
  /** When the connection has no record, renew with this context instead of failing (client credentials). */
  renewMissing?: SetTokenOptions & { grant: TokenGrant };
}

export interface SetTokenOptions {
  grant?: TokenGrant | undefined;
  scopes?: string[] | undefined;
}

/** Counters for `stats()`. */
export interface TokenManagerStats {
  /** Token requests started (`renew` calls). */
  renewals: number;
  /** Renewals that failed. */
  failures: number;
  /** Callers that joined a renewal already running in this process. */
  joined: number;
  /** Times this process waited for another process's renewal. */
  lockWaits: number;
  /** Connections marked as needing reauthorization. */
  reauthorizations: number;
}

/**
 * Hands out valid access tokens per connection and renews them without races:
 * proactively a skew before expiry, or when the API refused one; one renewal
 * at a time per connection in this process (single flight) and, with `locks`,
 * across processes (lock + version check on write, so a rotated refresh token
 * is never sent twice); `invalid_grant` marks the connection and stops.
 */
export class TokenManager {
  readonly #store: TokenStore;
  readonly #renew: RenewTokens;
  readonly #locks: Store | undefined;
  readonly #clock: Clock;
  readonly #skew: number;
  readonly #lockTtl: number;
  readonly #onReauthorizationRequired: TokenManagerOptions["onReauthorizationRequired"];
  readonly #inflight = new Map<string, Promise<TokenSet>>();
  /** Decrypted token sets with the time to renew them, least recently written first (a Map keeps insertion order). */
  readonly #cache = new Map<string, { tokens: TokenSet; refreshAt: number }>();
  /** Per connection: the token the last 401-driven renewal produced, and when the next such renewal may run. */
  readonly #refusals = new Map<string, { token: string; strikes: number; until: number }>();
  readonly #cacheSize: number;
  readonly #stats: TokenManagerStats = { renewals: 0, failures: 0, joined: 0, lockWaits: 0, reauthorizations: 0 };
  readonly #namespace: string;

  constructor(options: TokenManagerOptions) {
    if (options === null || typeof options !== "object") throw new ConfigError("tokenManager", "must be an options object");
    if (!options.store || typeof options.store.get !== "function")
      throw new ConfigError("tokenManager.store", "must be a token store (memoryTokenStore(), redisTokenStore(), sqlTokenStore())");
    if (typeof options.renew !== "function")
      throw new ConfigError("tokenManager.renew", "must be a function (connectionId, record, signal) => Promise<TokenSet>");
    if (options.locks !== undefined && typeof options.locks.acquireLock !== "function")
      throw new ConfigError("tokenManager.locks", "must be a Store (memoryStore(), redisStore())");
    if (options.namespace !== undefined && (typeof options.namespace !== "string" || options.namespace === ""))
      throw new ConfigError("tokenManager.namespace", "must be a non-empty string");
    this.#namespace = options.namespace ?? "";
    this.#store = options.namespace === undefined ? options.store : namespacedTokenStore(options.store, options.namespace);
    this.#renew = options.renew;
    this.#locks = options.locks;
    this.#clock = options.clock ?? systemClock;
    this.#skew = toMillis(options.refreshSkew ?? "60s", "refreshSkew");
    this.#lockTtl = durationOption(options.lockTtl ?? "30s", "lockTtl", 100);
    this.#onReauthorizationRequired = options.onReauthorizationRequired;
    this.#cacheSize = integerOption(options.cacheSize ?? 10_000, "cacheSize", 0);
  }

  /** A valid token set for the connection, renewing it first when needed. */
  async get(connectionId: string, options: GetTokenOptions = {}): Promise<TokenSet> {
    const cached = this.#cache.get(connectionId);
    if (cached !== undefined && this.#fresh(cached.tokens, cached.refreshAt, options.rejected)) return cached.tokens;
    const read = this.#store.get(connectionId);
    const current = await (options.signal ? untilAborted(read, options.signal) : read);
    if (current === undefined && options.renewMissing) return this.#renewOnce(connectionId, options);
    const record = this.#check(connectionId, current);
    if (this.#usable(record.value, options.rejected)) return this.#remember(connectionId, record.value.tokens, record.value.updatedAt);
    const rejected = options.rejected;
    if (rejected === undefined || rejected !== record.value.tokens.accessToken) return this.#renewOnce(connectionId, options);
    // The API refused the current token. If a renewal already answered a refusal and its token is refused too,
    // renewing again at once would only cost a grant per call: wait (1 s, doubling, up to 5 min) and let the 401 surface.
    const refusal = this.#refusals.get(connectionId);
    if (refusal !== undefined && refusal.token === rejected && this.#clock.now() < refusal.until) return record.value.tokens;
    const tokens = await this.#renewOnce(connectionId, options);
    this.#noteRefusal(connectionId, rejected, tokens.accessToken);
    return tokens;
  }

  #noteRefusal(connectionId: string, rejected: string, renewed: string): void {
    const last = this.#refusals.get(connectionId);
    if (last?.token === renewed) return; // another caller of the same renewal noted it
    const strikes = last?.token === rejected ? last.strikes + 1 : 1;
    this.#refusals.delete(connectionId);
    this.#refusals.set(connectionId, { token: renewed, strikes, until: this.#clock.now() + Math.min(1000 * 2 ** (strikes - 1), 300_000) });
    if (this.#refusals.size > Math.max(this.#cacheSize, 1000)) this.#refusals.delete(this.#refusals.keys().next().value as string);
  }

  /** Renews now, whatever the expiry (single flight still applies). */
  refresh(connectionId: string, options: Omit<GetTokenOptions, "rejected"> = {}): Promise<TokenSet> {
    return this.#renewOnce(connectionId, { ...options, force: true });
  }

  /** Stores tokens for a connection (after a callback, a device login or an import), clearing any reauthorization mark. */
  async set(connectionId: string, tokens: TokenSet, options: SetTokenOptions = {}): Promise<void> {
    const record: TokenRecord = { tokens, grant: options.grant ?? "manual", updatedAt: this.#clock.now() };
    if (options.scopes !== undefined) record.scopes = options.scopes;
    this.#cache.delete(connectionId);
    await this.#store.put(connectionId, record);
  }

  /** The stored record (tokens included) without renewing; undefined when there is none. */
  async peek(connectionId: string): Promise<TokenRecord | undefined> {
    return (await this.#store.get(connectionId))?.value;
  }

  /** `missing`, `active`, or `reauthorization_required` (after `invalid_grant`). */
  async status(connectionId: string): Promise<"missing" | "active" | "reauthorization_required"> {
    const r = await this.#store.get(connectionId);
    if (r === undefined) return "missing";
    return r.value.reauthorizationRequired ? "reauthorization_required" : "active";
  }

  delete(connectionId: string): Promise<void> {
    this.#cache.delete(connectionId);
    this.#refusals.delete(connectionId);
    return this.#store.delete(connectionId);
  }

  stats(): TokenManagerStats {
    return { ...this.#stats };
  }

  #check(connectionId: string, record: VersionedRecord<TokenRecord> | undefined): VersionedRecord<TokenRecord> {
    if (record === undefined) throw new ReauthorizationRequiredError(connectionId, "no_tokens");
    if (record.value.reauthorizationRequired) throw new ReauthorizationRequiredError(connectionId, "marked");
    return record;
  }

  #usable(record: TokenRecord, rejected: string | undefined): boolean {
    return this.#fresh(record.tokens, this.#refreshAt(record.tokens, record.updatedAt), rejected);
  }

  #fresh(t: TokenSet, refreshAt: number, rejected: string | undefined): boolean {
    if (rejected !== undefined && t.accessToken === rejected) return false;
    return refreshAt > this.#clock.now();
  }

  /**
   * When to renew a token issued at `issuedAt`: `refreshSkew` before expiry, but
   * no earlier than half its lifetime, so a token living no longer than the skew
   * is not renewed on every call.
   */
  #refreshAt(t: TokenSet, issuedAt: number): number {
    if (t.expiresAt === undefined) return Number.POSITIVE_INFINITY;
    return t.expiresAt - Math.min(this.#skew, Math.max(0, t.expiresAt - issuedAt) / 2);
  }

  #remember(connectionId: string, tokens: TokenSet, issuedAt: number): TokenSet {
    if (this.#cacheSize === 0) return tokens;
    this.#cache.delete(connectionId);
    this.#cache.set(connectionId, { tokens, refreshAt: this.#refreshAt(tokens, issuedAt) });
    if (this.#cache.size > this.#cacheSize) this.#cache.delete(this.#cache.keys().next().value as string);
    return tokens;
  }

  /** Single flight in this process: callers that find a renewal running join it. */
  #renewOnce(connectionId: string, options: GetTokenOptions & { force?: boolean }): Promise<TokenSet> {
    let shared = this.#inflight.get(connectionId);
    if (shared !== undefined) {
      this.#stats.joined++;
    } else {
      this.#cache.delete(connectionId);
      shared = this.#renewShared(connectionId, options)
        .then((tokens) => this.#remember(connectionId, tokens, this.#clock.now()))
        .finally(() => this.#inflight.delete(connectionId));
      this.#inflight.set(connectionId, shared);
    }
    return options.signal ? untilAborted(shared, options.signal) : shared;
  }

  /** Across processes: one lock holder renews; the others wait for its write and use it. */
  async #renewShared(connectionId: string, options: GetTokenOptions & { force?: boolean }): Promise<TokenSet> {
    const before = await this.#store.get(connectionId);
    if (this.#locks === undefined) return this.#renewLocked(connectionId, options, before?.version);
    const key = `ballast:oauth:refresh:${this.#namespace}${connectionId}`;
    const giveUpAt = this.#clock.now() + 2 * this.#lockTtl;
    let pause = 20;
    for (;;) {
      const lock = await this.#locks.acquireLock(key, this.#lockTtl);
      if (lock !== undefined) {
        try {
          return await this.#renewLocked(connectionId, options, before?.version, lock);
        } finally {
          await lock.release().catch(() => false);
        }
      }
      this.#stats.lockWaits++;
      await this.#clock.sleep(pause);
      pause = Math.min(pause * 2, 250);
      const now = await this.#store.get(connectionId);
      if (now !== undefined && now.version !== before?.version) {
        const record = this.#check(connectionId, now);
        if (this.#usable(record.value, options.rejected)) return record.value.tokens;
      }
      if (this.#clock.now() > giveUpAt) {
        throw new OAuthError("ballast_refresh_timeout", { message: `gave up waiting for another process to refresh connection "${connectionId}"` });
      }
    }
  }

  /** Runs while holding the lock (or the in-process flight): re-read, renew, write if nobody wrote meanwhile. */
  async #renewLocked(connectionId: string, options: GetTokenOptions & { force?: boolean }, seenVersion: number | undefined, lock?: Lock): Promise<TokenSet> {
    const current = await this.#store.get(connectionId);
    let record: TokenRecord | undefined;
    if (current === undefined && options.renewMissing) {
      record = undefined;
    } else {
      record = this.#check(connectionId, current).value;
      // Someone renewed while we waited for the lock: use theirs.
      const renewedMeanwhile = current?.version !== seenVersion;
      if ((renewedMeanwhile || !options.force) && this.#usable(record, options.rejected)) return record.tokens;
    }
    const version = current?.version ?? 0;

    this.#stats.renewals++;
    let tokens: TokenSet;
    const stop = new AbortController();
    // Abort the token request before the lock runs out, so no second holder sends the same refresh token concurrently.
    const guard = lock
      ? this.#clock.sleep(Math.floor(this.#lockTtl * 0.8), stop.signal).then(
          () => stop.abort(new Error("lock about to expire")),
          () => {},
        )
      : undefined;
    const started = this.#clock.now();
    try {
      const seed = options.renewMissing;
      const context: RenewContext = record ?? { grant: seed?.grant ?? "manual", scopes: seed?.scopes };
      tokens = await this.#renew(connectionId, context, stop.signal);
      if (refreshChannel.hasSubscribers) refreshChannel.publish({ connectionId, outcome: "success", durationMs: this.#clock.now() - started });
    } catch (e) {
      this.#stats.failures++;
      if (refreshChannel.hasSubscribers) refreshChannel.publish({ connectionId, outcome: "failure", durationMs: this.#clock.now() - started, error: e });
      if (isOAuthError(e) && e.error === "invalid_grant" && record !== undefined) {
        throw await this.#markReauthorization(connectionId, record, version, e);
      }
      throw e;
    } finally {
      if (guard) stop.abort();
    }

    const base: Omit<TokenRecord, "tokens" | "updatedAt"> = record ?? { grant: options.renewMissing?.grant ?? "manual", scopes: options.renewMissing?.scopes };
    const next: TokenRecord = { ...base, tokens, updatedAt: this.#clock.now() };
    delete next.reauthorizationRequired;
    if (await this.#store.put(connectionId, next, version)) return tokens;
    // Someone wrote meanwhile (a newer lock holder, or a new authorization): theirs wins.
    return this.#check(connectionId, await this.#store.get(connectionId)).value.tokens;
  }

  async #markReauthorization(connectionId: string, record: TokenRecord, version: number, cause: OAuthError): Promise<Error> {
    const error = new ReauthorizationRequiredError(connectionId, "invalid_grant", { cause });
    const marked = await this.#store.put(connectionId, { ...record, reauthorizationRequired: true, updatedAt: this.#clock.now() }, version);
    if (!marked) return error; // a new authorization landed meanwhile; leave it alone
    this.#stats.reauthorizations++;
    try {
      await this.#onReauthorizationRequired?.({ connectionId, reason: "invalid_grant", error });
    } catch {
      // A notification hook must not change the outcome.
    }
    return error;
  }
}
