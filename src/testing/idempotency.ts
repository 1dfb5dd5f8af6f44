import { asReplay, type EncodedReply, encodeReply, jsonReply } from "./reply.js";
import { isEffect, type SimRoute } from "./route.js";
import type { SimRequest } from "./types.js";

/** What to do with a request that carries an idempotency key. */
export type IdempotencyDecision =
  /** First time this key is seen: run the handler, then `finish()`. */
  | { kind: "run" }
  /** Seen and answered: send this reply again. */
  | { kind: "replay"; reply: EncodedReply }
  /** Seen with another body: 422. */
  | { kind: "mismatch" }
  /** The first request with this key is still being answered: 409. */
  | { kind: "in-flight" };

interface Entry {
  body: Buffer;
  reply: EncodedReply | undefined;
}

/**
 * Idempotency keys per method + path, as Stripe keeps them. A reply is stored
 * when it is a result the server would have committed: statuses below 500
 * except 429, and faulted replies that name a status or body (processed, then
 * the connection was lost). 5xx, 429 and bare connection faults are not stored,
 * so a retry with the same key runs the handler again.
 */
export class IdempotencyStore {
  readonly #entries = new Map<string, Entry>();

  static key(method: string, path: string, idempotencyKey: string): string {
    return `${method} ${path} ${idempotencyKey}`;
  }

  begin(key: string, body: Buffer): IdempotencyDecision {
    const entry = this.#entries.get(key);
    if (!entry) {
      this.#entries.set(key, { body, reply: undefined });
      return { kind: "run" };
    }
    if (!entry.body.equals(body)) return { kind: "mismatch" };
    return entry.reply ? { kind: "replay", reply: entry.reply } : { kind: "in-flight" };
  }

  /** Records the handler's reply, or forgets the key when the reply is not a committed result. */
  finish(key: string, reply: EncodedReply | undefined): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    if (reply && isEffect(reply)) entry.reply = reply;
    else this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }

  get size(): number {
    return this.#entries.size;
  }
}

function idempotencyError(status: number, code: string, message: string): EncodedReply {
  return jsonReply(status, { error: { type: "idempotency_error", code, message } });
}

/** Answers a request that carries an idempotency key: run once and store, replay, 422 or 409. */
export async function runIdempotently(store: IdempotencyStore, route: SimRoute, req: SimRequest, idempotencyKey: string): Promise<EncodedReply> {
  const key = IdempotencyStore.key(req.method, req.path, idempotencyKey);
  const decision = store.begin(key, req.body);
  switch (decision.kind) {
    case "replay":
      return asReplay(decision.reply);
    case "mismatch":
      if (route.idempotencyConflict) return encodeReply(route.idempotencyConflict("mismatch"));
      return idempotencyError(422, "idempotency_key_reused", "This idempotency key was already used with a different request body.");
    case "in-flight":
      if (route.idempotencyConflict) return encodeReply(route.idempotencyConflict("in-flight"));
      return idempotencyError(409, "idempotency_key_in_use", "A request with this idempotency key is still being processed.");
    case "run": {
      let reply: EncodedReply | undefined;
      try {
        reply = await route.run(req);
        return reply;
      } finally {
        store.finish(key, reply);
      }
    }
  }
}
