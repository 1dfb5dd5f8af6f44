import { describe, expect, it } from "vitest";
import { isAbortError } from "../../src/errors.js";
import { isReauthorizationRequiredError, OAuthError, type RenewContext, TokenManager, type TokenSet } from "../../src/oauth/index.js";
import { memoryTokenStore } from "../../src/oauth/token-stores/memory.js";
import { memoryStore } from "../../src/stores/memory.js";
import { createFakeClock } from "../../src/testing/fake-clock.js";

const T0 = 1_700_000_000_000;

/** A renewal that counts its calls and hands out numbered tokens, resolving when the test says. */
function fakeServer(clock: { now(): number }, lifetimeMs = 3_600_000) {
  let n = 0;
  const seen: string[] = [];
  let gate: Promise<void> = Promise.resolve();
  const renew = async (_id: string, ctx: RenewContext): Promise<TokenSet> => {
    seen.push(ctx.tokens?.refreshToken ?? "(none)");
    n++;
    const mine = n;
    await gate;
    return { accessToken: `at-${mine}`, refreshToken: `rt-${mine}`, tokenType: "bearer", expiresAt: clock.now() + lifetimeMs };
  };
  return {
    renew,
    calls: () => n,
    refreshTokensSent: seen,
    hold() {
      let release!: () => void;
      gate = new Promise((r) => {
        release = r;
      });
      return () => release();
    },
  };
}

function setup(options: { skew?: number } = {}) {
  const clock = createFakeClock(T0);
  const server = fakeServer(clock);
  const store = memoryTokenStore();
  const tokens = new TokenManager({ store, renew: server.renew, clock, refreshSkew: options.skew ?? 60_000 });
  return { clock, server, store, tokens };
}

const initial = (expiresAt: number): TokenSet => ({ accessToken: "at-0", refreshToken: "rt-0", tokenType: "bearer", expiresAt });

describe("TokenManager", () => {
  it("returns the stored token while it is valid, and refreshes a skew before expiry", async () => {
    const { clock, server, tokens } = setup({ skew: 60_000 });
    await tokens.set("c1", initial(T0 + 600_000), { grant: "authorization_code" });
    expect((await tokens.get("c1")).accessToken).toBe("at-0");
    clock.set(T0 + 539_999);
    expect((await tokens.get("c1")).accessToken).toBe("at-0");
    expect(server.calls()).toBe(0);
    clock.set(T0 + 540_000);
    const t = await tokens.get("c1");
    expect(t.accessToken).toBe("at-1");
    expect(server.refreshTokensSent).toEqual(["rt-0"]);
    // The rotated refresh token is stored and used next time.
    clock.set(t.expiresAt as number);
    expect((await tokens.get("c1")).accessToken).toBe("at-2");
    expect(server.refreshTokensSent).toEqual(["rt-0", "rt-1"]);
  });

  it("runs one refresh however many callers find the token expired (single flight)", async () => {
    const { server, tokens } = setup();
    await tokens.set("c1", initial(T0 - 1), { grant: "authorization_code" });
    const release = server.hold();
    const all = Array.from({ length: 50 }, () => tokens.get("c1"));
    await new Promise((r) => setImmediate(r));
    release();
    const results = await Promise.all(all);
    expect(server.calls()).toBe(1);
    expect(new Set(results.map((r) => r.accessToken))).toEqual(new Set(["at-1"]));
    expect(tokens.stats().joined).toBe(49);
  });

  it("refreshes a token the API refused even if it looks unexpired, once for all concurrent 401s", async () => {
    const { server, tokens } = setup();
    await tokens.set("c1", initial(T0 + 3_600_000), { grant: "authorization_code" });
    const got = await Promise.all(Array.from({ length: 10 }, () => tokens.get("c1", { rejected: "at-0" })));
    expect(server.calls()).toBe(1);
    expect(got.every((t) => t.accessToken === "at-1")).toBe(true);
    // A late 401 for the old token does not refresh again: the stored token is already a new one.
    expect((await tokens.get("c1", { rejected: "at-0" })).accessToken).toBe("at-1");
    expect(server.calls()).toBe(1);
  });

  it("invalid_grant marks the connection, fires the hook once, and never calls the server again", async () => {
    const clock = createFakeClock(T0);
    let calls = 0;
    const events: string[] = [];
    const tokens = new TokenManager({
      store: memoryTokenStore(),
      clock,
      renew: async () => {
        calls++;
        throw new OAuthError("invalid_grant", { description: "grant request is invalid", status: 400 });
      },
      onReauthorizationRequired: (e) => {
        events.push(`${e.connectionId}:${e.reason}`);
      },
    });
    await tokens.set("c1", initial(T0 - 1), { grant: "authorization_code" });
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => tokens.get("c1")));
    expect(results.every((r) => r.status === "rejected" && isReauthorizationRequiredError(r.reason))).toBe(true);
    expect(calls).toBe(1);
    expect(events).toEqual(["c1:invalid_grant"]);
    for (let i = 0; i < 5; i++) {
      const e = await tokens.get("c1").catch((err) => err);
      expect(isReauthorizationRequiredError(e) && e.reason).toBe("marked");
    }
    expect(calls).toBe(1);
    expect(await tokens.status("c1")).toBe("reauthorization_required");
    // A new authorization clears the mark.
    await tokens.set("c1", initial(T0 + 3_600_000), { grant: "authorization_code" });
    expect((await tokens.get("c1")).accessToken).toBe("at-0");
  });

  it("other failures reach every waiter, do not mark the connection, and the next call tries again", async () => {
    const clock = createFakeClock(T0);
    let calls = 0;
    const tokens = new TokenManager({
      store: memoryTokenStore(),
      clock,
      renew: async () => {
        calls++;
        if (calls === 1) throw new OAuthError("temporarily_unavailable", { status: 503 });
        return { accessToken: "at-ok", tokenType: "bearer", expiresAt: clock.now() + 3_600_000 };
      },
    });
    await tokens.set("c1", initial(T0 - 1), { grant: "authorization_code" });
    const failed = await Promise.allSettled([tokens.get("c1"), tokens.get("c1"), tokens.get("c1")]);
    expect(failed.map((r) => r.status)).toEqual(["rejected", "rejected", "rejected"]);
    expect(calls).toBe(1);
    expect(await tokens.status("c1")).toBe("active");
    expect((await tokens.get("c1")).accessToken).toBe("at-ok");
    // The refresh token survives a refresh response without one.
    expect((await tokens.peek("c1"))?.tokens.accessToken).toBe("at-ok");
  });

  it("an unknown connection or one without a refresh token needs reauthorization", async () => {
    const { tokens } = setup();
    expect((await tokens.get("nobody").catch((e) => e)).reason).toBe("no_tokens");
  });

  it("two managers sharing a token store and a lock store run one refresh between them", async () => {
    const clock = createFakeClock(T0);
    const server = fakeServer(clock);
    const store = memoryTokenStore();
    const locks = memoryStore({ clock });
    const a = new TokenManager({ store, locks, renew: server.renew, clock });
    const b = new TokenManager({ store, locks, renew: server.renew, clock });
    await a.set("c1", initial(T0 - 1), { grant: "authorization_code" });
    const release = server.hold();
    const pa = Promise.all(Array.from({ length: 5 }, () => a.get("c1")));
    const pb = Promise.all(Array.from({ length: 5 }, () => b.get("c1")));
    await new Promise((r) => setImmediate(r));
    release();
    // b waits for a's lock by polling on the clock.
    for (let i = 0; i < 10; i++) await clock.advance(50);
    const [ra, rb] = await Promise.all([pa, pb]);
    expect(server.calls()).toBe(1);
    expect([...ra, ...rb].every((t) => t.accessToken === "at-1")).toBe(true);
    expect(b.stats().lockWaits).toBeGreaterThan(0);
  });

  it("a refresher whose write lost the race (record changed meanwhile) uses the newer record", async () => {
    const clock = createFakeClock(T0);
    const store = memoryTokenStore();
    let tokens!: TokenManager;
    tokens = new TokenManager({
      store,
      clock,
      renew: async () => {
        // While this refresh runs, a new authorization lands.
        await tokens.set("c1", { accessToken: "at-new-login", refreshToken: "rt-new-login", tokenType: "bearer", expiresAt: T0 + 3_600_000 });
        return { accessToken: "at-stale", refreshToken: "rt-stale", tokenType: "bearer", expiresAt: T0 + 3_600_000 };
      },
    });
    await tokens.set("c1", initial(T0 - 1), { grant: "authorization_code" });
    expect((await tokens.get("c1")).accessToken).toBe("at-new-login");
    expect((await tokens.peek("c1"))?.tokens.refreshToken).toBe("rt-new-login");
  });

  it("refresh() renews now even when the token is valid", async () => {
    const { server, tokens } = setup();
    await tokens.set("c1", initial(T0 + 3_600_000), { grant: "authorization_code" });
    expect((await tokens.refresh("c1")).accessToken).toBe("at-1");
    expect(server.calls()).toBe(1);
  });

  it("validates its options", () => {
    expect(() => new TokenManager({ store: memoryTokenStore(), renew: undefined as never })).toThrow(/renew/);
    expect(() => new TokenManager({ store: memoryTokenStore(), renew: async () => initial(0), refreshSkew: "soon" as never })).toThrow(/refreshSkew/);
  });

  it("when the lock holder dies, a waiter takes over after the lock's TTL", async () => {
    const clock = createFakeClock(T0);
    const server = fakeServer(clock);
    const store = memoryTokenStore();
    const locks = memoryStore({ clock });
    const tokens = new TokenManager({ store, locks, renew: server.renew, clock, lockTtl: "10s" });
    await tokens.set("c1", initial(T0 - 1), { grant: "authorization_code" });
    // Another process took the lock and died without writing.
    expect(await locks.acquireLock("ballast:oauth:refresh:c1", 10_000)).toBeDefined();
    let done = false;
    const waiting = tokens.get("c1").then((t) => {
      done = true;
      return t;
    });
    await clock.advance(9_000);
    expect(done).toBe(false);
    expect(server.calls()).toBe(0);
    await clock.advance(1_500);
    expect((await waiting).accessToken).toBe("at-1");
    expect(server.calls()).toBe(1);
  });

  it("a caller whose signal aborts stops waiting; the shared refresh goes on for the others", async () => {
    const { server, tokens } = setup();
    await tokens.set("c1", initial(T0 - 1), { grant: "authorization_code" });
    const release = server.hold();
    const controller = new AbortController();
    const impatient = tokens.get("c1", { signal: controller.signal }).catch((e) => e);
    const patient = tokens.get("c1");
    controller.abort(new Error("user left"));
    expect(isAbortError(await impatient)).toBe(true);
    release();
    expect((await patient).accessToken).toBe("at-1");
    expect(server.calls()).toBe(1);
  });

  it("keeps valid tokens decrypted in memory: one store read for many requests, none kept past the skew or after a 401", async () => {
    const clock = createFakeClock(T0);
    const server = fakeServer(clock);
    const inner = memoryTokenStore();
    let reads = 0;
    const store = {
      ...inner,
      kind: inner.kind,
      get: (id: string) => {
        reads++;
        return inner.get(id);
      },
    };
    const tokens = new TokenManager({ store, renew: server.renew, clock, cacheSize: 2 });
    await tokens.set("c1", initial(T0 + 600_000), { grant: "authorization_code" });
    for (let i = 0; i < 100; i++) await tokens.get("c1");
    expect(reads).toBe(1);
    // A refused token is never served from the cache.
    expect((await tokens.get("c1", { rejected: "at-0" })).accessToken).toBe("at-1");
    const afterRefresh = reads;
    expect((await tokens.get("c1")).accessToken).toBe("at-1");
    expect(reads).toBe(afterRefresh);
    // Near expiry the store is read again (another process may have refreshed).
    clock.set(T0 + 3_600_000 - 59_000);
    expect((await tokens.get("c1")).accessToken).toBe("at-2");
    // Bounded: the least recently written connection is dropped.
    await tokens.set("c2", initial(clock.now() + 600_000));
    await tokens.set("c3", initial(clock.now() + 600_000));
    await tokens.get("c2");
    await tokens.get("c3");
    const before = reads;
    await tokens.get("c1");
    expect(reads).toBe(before + 1);
    expect(() => new TokenManager({ store, renew: server.renew, cacheSize: -1 })).toThrow(/cacheSize/);
  });
});
