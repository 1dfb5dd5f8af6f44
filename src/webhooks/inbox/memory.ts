import { countEvents } from "./counts.js";
import type { AtomicEffect, ClaimOptions, InboxEvent, InboxEventInput, ListOptions, PurgeOptions, WebhookInbox } from "./types.js";

/** No transaction to share in memory: effects receive `undefined`. */
type MemoryTx = undefined;

/**
 * An in-process inbox for tests and development. Not durable: a restart loses
 * every event, so never use it where a 2xx must mean "stored".
 */
export function memoryInbox(): WebhookInbox<MemoryTx> {
  // Insertion order of a Map is arrival order: it doubles as the sequence.
  const events = new Map<string, InboxEvent>();
  const copy = (e: InboxEvent): InboxEvent => ({ ...e, headers: { ...e.headers } });
  const held = (id: string, lease: string) => {
    const e = events.get(id);
    return e && e.status === "processing" && e.lease === lease ? e : undefined;
  };
  const release = (e: InboxEvent) => {
    e.lease = undefined;
    e.leaseUntil = undefined;
  };

  return {
    kind: "memory",

    async put(input: InboxEventInput) {
      if (events.has(input.id)) return "duplicate";
      events.set(input.id, {
        ...input,
        headers: { ...input.headers },
        status: "pending",
        attempts: 0,
        runAt: input.receivedAt,
        lastError: undefined,
        lease: undefined,
        leaseUntil: undefined,
        completedAt: undefined,
      });
      return "stored";
    },

    async counts() {
      return countEvents(events.values());
    },

    async claim({ limit, leaseMs, now, lease }: ClaimOptions) {
      const out: InboxEvent[] = [];
      const blockedKeys = new Set<string>();
      for (const e of events.values()) {
        if (out.length >= limit) break;
        const unfinished = e.status === "pending" || e.status === "processing";
        const ready = (e.status === "pending" && e.runAt <= now) || (e.status === "processing" && (e.leaseUntil ?? 0) <= now);
        const key = e.orderingKey;
        if (ready && (key === undefined || !blockedKeys.has(key))) {
          e.status = "processing";
          e.lease = lease;
          e.leaseUntil = now + leaseMs;
          e.attempts += 1;
          out.push(copy(e));
        }
        if (unfinished && key !== undefined) blockedKeys.add(key);
      }
      return out;
    },

    async complete(id: string, lease: string, now: number, effects: ReadonlyArray<AtomicEffect<MemoryTx>> = []) {
      const e = held(id, lease);
      if (!e) return false;
      for (const effect of effects) await effect(undefined);
      e.status = "done";
      e.completedAt = now;
      release(e);
      return true;
    },

    async retry(id: string, lease: string, runAt: number, error: string) {
      const e = held(id, lease);
      if (!e) return false;
      e.status = "pending";
      e.runAt = runAt;
      e.lastError = error;
      release(e);
      return true;
    },

    async deadLetter(id: string, lease: string, error: string) {
      const e = held(id, lease);
      if (!e) return false;
      e.status = "dead";
      e.lastError = error;
      release(e);
      return true;
    },

    async get(id: string) {
      const e = events.get(id);
      return e && copy(e);
    },

    async list({ status, limit = 100 }: ListOptions = {}) {
      const out: InboxEvent[] = [];
      for (const e of events.values()) {
        if (out.length >= limit) break;
        if (status === undefined || e.status === status) out.push(copy(e));
      }
      return out;
    },

    async replay(id: string, now: number) {
      const e = events.get(id);
      if (!e || (e.status !== "dead" && e.status !== "done")) return false;
      // Re-inserting moves it to the end of the arrival order, like a new delivery.
      events.delete(id);
      events.set(id, { ...e, status: "pending", attempts: 0, runAt: now, lastError: undefined, completedAt: undefined });
      return true;
    },

    async purge({ status = "done", before }: PurgeOptions = {}) {
      let n = 0;
      for (const [id, e] of events) {
        if (e.status === status && (before === undefined || e.receivedAt < before)) {
          events.delete(id);
          n++;
        }
      }
      return n;
    },

    async close() {},
  };
}
