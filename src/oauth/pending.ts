import type { Store } from "../stores/types.js";
import { StateMismatchError } from "./errors.js";

/** What `authorizationUrl()` remembers until the callback: everything needed to finish, keyed by `state`. */
export interface PendingAuthorization {
  connectionId: string;
  codeVerifier: string;
  redirectUri: string;
  scopes: string[];
  /** Set when the request asked for OpenID Connect (`openid` scope). */
  nonce?: string;
}

/**
 * Pending authorizations in the `Store` (memory, or Redis for a fleet): each
 * expires after `ttlMs`, can be taken once, and only by the registration
 * (`namespace`) that created it. A second callback with the same
 * state (a replay, a double submit) is told apart from an unknown one.
 */
export function pendingAuthorizations(store: Store, ttlMs: number, namespace = "") {
  // Keyed by the registration too: another oauth2() instance sharing the store never sees (or spends) this state.
  const pendingKey = (state: string) => `ballast:oauth:pending:${namespace}${state}`;
  const usedKey = (state: string) => `ballast:oauth:used:${namespace}${state}`;
  return {
    async put(state: string, pending: PendingAuthorization): Promise<void> {
      await store.set(pendingKey(state), JSON.stringify(pending), ttlMs);
    },
    /** Takes the pending authorization for `state`, once. Throws `StateMismatchError` otherwise. */
    async take(state: string | null | undefined): Promise<PendingAuthorization> {
      if (!state) throw new StateMismatchError("missing");
      const raw = await store.get(pendingKey(state));
      if (raw === undefined) {
        throw new StateMismatchError((await store.get(usedKey(state))) === undefined ? "unknown_or_expired" : "already_used");
      }
      // The atomic step: of two concurrent callbacks with this state, one wins.
      if (!(await store.setIfAbsent(usedKey(state), "1", ttlMs))) throw new StateMismatchError("already_used");
      await store.delete(pendingKey(state));
      return JSON.parse(raw) as PendingAuthorization;
    },
  };
}

export type PendingAuthorizations = ReturnType<typeof pendingAuthorizations>;
