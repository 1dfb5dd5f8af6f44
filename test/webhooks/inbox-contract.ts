/**
 * The contract every webhook inbox keeps. memory, SQLite and PostgreSQL run
 * this suite unchanged.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { InboxEventInput, WebhookInbox } from "../../src/webhooks/inbox/types.js";

export interface InboxFixture {
  inbox: WebhookInbox<unknown>;
  cleanup(): Promise<void>;
}

const T0 = 1_700_000_000_000;
let n = 0;

function event(over: Partial<InboxEventInput> = {}): InboxEventInput {
  n++;
  return {
    id: `evt_${n}_${randomUUID().slice(0, 8)}`,
    scheme: "stripe",
    type: "invoice.paid",
    orderingKey: undefined,
    payload: Buffer.from(`{"n":${n},"bytes":"\u00e9"}`),
    headers: { "stripe-signature": "t=1,v1=abc", "content-type": "application/json" },
    receivedAt: T0 + n,
    ...over,
  };
}

export function inboxContract(label: string, make: () => Promise<InboxFixture>): void {
  describe(`${label} inbox contract`, () => {
    let fx: InboxFixture;
    let inbox: WebhookInbox<unknown>;
    // Each test claims with its own clock far from the others, so leftovers never interfere.
    let base = T0;
    const claimAll = (now: number, lease = randomUUID(), limit = 100, leaseMs = 30_000) => inbox.claim({ limit, leaseMs, now, lease });
    const fresh = () => {
      base += 10_000_000_000;
      return base;
    };

    beforeAll(async () => {
      fx = await make();
      inbox = fx.inbox;
    });
    afterAll(async () => {
      await fx.cleanup();
    });

    async function drain(now: number) {
      // Finish everything left by earlier tests so claims see only this test's events.
      for (;;) {
        const lease = randomUUID();
        const got = await claimAll(now, lease, 1000);
        if (got.length === 0) return;
        for (const e of got) await inbox.deadLetter(e.id, lease, "drained");
      }
    }

    it("stores an event once and reports later puts of the same id as duplicates", async () => {
      const e = event();
      expect(await inbox.put(e)).toBe("stored");
      expect(await inbox.put({ ...e, payload: Buffer.from("other") })).toBe("duplicate");
      const got = await inbox.get(e.id);
      expect(got).toMatchObject({ id: e.id, scheme: "stripe", type: "invoice.paid", status: "pending", attempts: 0, headers: e.headers });
      expect(got?.payload.equals(e.payload)).toBe(true);
      expect(await inbox.get("nope")).toBeUndefined();
    });

    it("stores exactly one of many concurrent puts of the same id, and every distinct one", async () => {
      const e = event();
      const same = await Promise.all(Array.from({ length: 20 }, () => inbox.put(e)));
      expect(same.filter((r) => r === "stored")).toHaveLength(1);
      const many = Array.from({ length: 300 }, () => event());
      const results = await Promise.all(many.map((m) => inbox.put(m)));
      expect(results.every((r) => r === "stored")).toBe(true);
    });

    it("keeps every field of events stored together byte for byte", async () => {
      // One batch of events that differ in every way a batched write could mix up: sizes (empty to 64 KiB),
      // every byte value, header text beyond ASCII, absent type and ordering key.
      const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      const variants = [
        event({ payload: Buffer.alloc(0), type: undefined }),
        event({ payload: bytes, orderingKey: "cus_1" }),
        event({ payload: Buffer.alloc(64 * 1024, 0xab), headers: { "x-note": "café ü 日本 😀", "content-type": "application/json" } }),
        event({ payload: Buffer.from("{}"), headers: {} }),
        event({ payload: Buffer.concat([bytes, bytes]), type: 'a"b\\c{d}', orderingKey: 'key,with"quotes' }),
      ];
      expect(await Promise.all(variants.map((v) => inbox.put(v)))).toEqual(variants.map(() => "stored"));
      for (const v of variants) {
        const got = await inbox.get(v.id);
        expect(got).toMatchObject({ id: v.id, scheme: v.scheme, type: v.type, orderingKey: v.orderingKey, headers: v.headers, receivedAt: v.receivedAt });
        expect(got?.payload.equals(v.payload)).toBe(true);
      }
    });

    it("claims ready events oldest first, counts attempts, and holds them for the lease", async () => {
      const now = fresh();
      await drain(now);
      const a = event({ receivedAt: now - 10 });
      const b = event({ receivedAt: now - 5 });
      await inbox.put(a);
      await inbox.put(b);
      const lease = randomUUID();
      const first = await claimAll(now, lease, 1);
      expect(first.map((e) => e.id)).toEqual([a.id]);
      expect(first[0]).toMatchObject({ status: "processing", attempts: 1, lease });
      const second = await claimAll(now);
      expect(second.map((e) => e.id)).toEqual([b.id]);
      expect(await claimAll(now + 29_999)).toEqual([]);
      // Lease expired (the worker died): claimable again, attempts counted.
      const again = await claimAll(now + 30_000, randomUUID(), 1);
      expect(again[0]).toMatchObject({ id: a.id, attempts: 2 });
      // The first holder lost the lease and can no longer finish the event.
      expect(await inbox.complete(a.id, lease, now)).toBe(false);
    });

    it("does not claim an event before its runAt", async () => {
      const now = fresh();
      await drain(now);
      const e = event({ receivedAt: now + 1000 });
      await inbox.put(e);
      expect(await claimAll(now)).toEqual([]);
      expect((await claimAll(now + 1000)).map((x) => x.id)).toEqual([e.id]);
    });

    it("never hands the same event to two concurrent claimers", async () => {
      const now = fresh();
      await drain(now);
      for (let i = 0; i < 40; i++) await inbox.put(event({ receivedAt: now - 100 + i }));
      const claims = await Promise.all(Array.from({ length: 4 }, () => claimAll(now, randomUUID(), 15)));
      const ids = claims.flat().map((e) => e.id);
      expect(ids).toHaveLength(40);
      expect(new Set(ids).size).toBe(40);
    });

    it("completes with the lease, running effects in the same transaction", async () => {
      const now = fresh();
      await drain(now);
      const e = event({ receivedAt: now });
      await inbox.put(e);
      const lease = randomUUID();
      await claimAll(now, lease);
      let ran = 0;
      expect(await inbox.complete(e.id, randomUUID(), now, [() => ran++])).toBe(false);
      expect(ran).toBe(0);
      expect(await inbox.complete(e.id, lease, now + 5, [() => ran++])).toBe(true);
      expect(ran).toBe(1);
      expect(await inbox.get(e.id)).toMatchObject({ status: "done", completedAt: now + 5, lease: undefined });
      expect(await inbox.complete(e.id, lease, now)).toBe(false);
    });

    it("rolls back the completion when an effect throws", async () => {
      const now = fresh();
      await drain(now);
      const e = event({ receivedAt: now });
      await inbox.put(e);
      const lease = randomUUID();
      await claimAll(now, lease);
      await expect(
        inbox.complete(e.id, lease, now, [
          () => {
            throw new Error("effect failed");
          },
        ]),
      ).rejects.toThrow("effect failed");
      expect((await inbox.get(e.id))?.status).toBe("processing");
    });

    it("retries later, dead-letters, lists, replays and purges", async () => {
      const now = fresh();
      await drain(now);
      const e = event({ receivedAt: now });
      await inbox.put(e);
      let lease = randomUUID();
      await claimAll(now, lease);
      expect(await inbox.retry(e.id, lease, now + 500, "boom 1")).toBe(true);
      expect(await inbox.get(e.id)).toMatchObject({ status: "pending", runAt: now + 500, lastError: "boom 1", attempts: 1 });
      expect(await claimAll(now + 499)).toEqual([]);
      lease = randomUUID();
      expect((await claimAll(now + 500, lease)).map((x) => x.id)).toEqual([e.id]);
      expect(await inbox.deadLetter(e.id, lease, "boom 2")).toBe(true);
      expect(await inbox.get(e.id)).toMatchObject({ status: "dead", lastError: "boom 2", attempts: 2 });
      expect((await inbox.list({ status: "dead", limit: 10_000 })).some((x) => x.id === e.id)).toBe(true);
      expect(await inbox.replay("unknown", now)).toBe(false);
      expect(await inbox.replay(e.id, now + 600)).toBe(true);
      expect(await inbox.get(e.id)).toMatchObject({ status: "pending", attempts: 0, runAt: now + 600, lastError: undefined });
      expect(await inbox.replay(e.id, now)).toBe(false);
      lease = randomUUID();
      await claimAll(now + 600, lease);
      await inbox.complete(e.id, lease, now + 601);
      const purged = await inbox.purge({ status: "done" });
      expect(purged).toBeGreaterThanOrEqual(1);
      expect(await inbox.get(e.id)).toBeUndefined();
    });

    it("runs events sharing an ordering key one at a time, in order; dead letters do not block", async () => {
      const now = fresh();
      await drain(now);
      const key = `cus_${randomUUID()}`;
      const a1 = event({ orderingKey: key, receivedAt: now });
      const b1 = event({ orderingKey: `${key}_other`, receivedAt: now });
      const a2 = event({ orderingKey: key, receivedAt: now });
      const a3 = event({ orderingKey: key, receivedAt: now });
      for (const e of [a1, b1, a2, a3]) await inbox.put(e);
      const lease = randomUUID();
      expect((await claimAll(now, lease)).map((e) => e.id)).toEqual([a1.id, b1.id]);
      // A retry keeps its place at the head of the key.
      await inbox.retry(a1.id, lease, now + 100, "later");
      expect(await claimAll(now + 50)).toEqual([]);
      const l2 = randomUUID();
      expect((await claimAll(now + 100, l2)).map((e) => e.id)).toEqual([a1.id]);
      await inbox.complete(a1.id, l2, now + 100);
      const l3 = randomUUID();
      expect((await claimAll(now + 100, l3)).map((e) => e.id)).toEqual([a2.id]);
      await inbox.deadLetter(a2.id, l3, "poison");
      expect((await claimAll(now + 100)).map((e) => e.id)).toEqual([a3.id]);
    });
  });
}
