import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { constantBackoff } from "../../src/middleware/retry/backoff.js";
import { createFakeClock } from "../../src/testing/fake-clock.js";
import { memoryInbox } from "../../src/webhooks/inbox/memory.js";
import { postgresInbox } from "../../src/webhooks/inbox/postgres.js";
import { sqliteInbox } from "../../src/webhooks/inbox/sqlite.js";
import type { InboxEventInput, WebhookInbox } from "../../src/webhooks/inbox/types.js";
import { createWebhookWorker, type WebhookWorkerOptions } from "../../src/webhooks/worker.js";
import { usePostgresSchema } from "../support/databases.js";
import { useProcessWarnings } from "../support/process-warnings.js";
import { describePostgres } from "../support/services.js";
import { waitFor } from "../support/wait.js";

// Handlers here fail on purpose; the default report of a failure (a process warning) is tested in worker-report.test.ts.
useProcessWarnings("BALLAST_WEBHOOK_HANDLER_FAILED");

const T0 = 1_700_000_000_000;

function stripeEvent(type: string, over: Partial<InboxEventInput> = {}): InboxEventInput {
  const id = `evt_${randomUUID().slice(0, 8)}`;
  return {
    id,
    scheme: "stripe",
    type,
    orderingKey: undefined,
    payload: Buffer.from(JSON.stringify({ id, type, data: { object: { id: "in_1" } } })),
    headers: { "content-type": "application/json" },
    receivedAt: T0,
    ...over,
  };
}

const dir = mkdtempSync(join(tmpdir(), "ballast-worker-"));
const opened: Array<WebhookInbox<unknown>> = [];
afterAll(async () => {
  for (const inbox of opened) await inbox.close();
  rmSync(dir, { recursive: true, force: true });
});

let files = 0;
const inboxes: Array<[string, () => WebhookInbox<unknown>]> = [
  ["memoryInbox", () => memoryInbox()],
  ["sqliteInbox", () => sqliteInbox(join(dir, `worker-${++files}.db`)) as WebhookInbox<unknown>],
];

describe.each(inboxes)("createWebhookWorker on %s", (_label, makeInbox) => workerSpec(makeInbox));

describePostgres("createWebhookWorker on postgresInbox", () => {
  const { pool, schema } = usePostgresSchema("worker");
  afterAll(async () => {
    for (const inbox of opened.splice(0)) await inbox.close();
  });
  let tables = 0;
  workerSpec(() => postgresInbox(pool, { schema, table: `inbox_${++tables}` }) as WebhookInbox<unknown>);
});

function workerSpec(makeInbox: () => WebhookInbox<unknown>) {
  function setup(options: Partial<WebhookWorkerOptions> = {}) {
    const clock = createFakeClock(T0);
    const inbox = makeInbox();
    opened.push(inbox);
    const worker = createWebhookWorker({ inbox, clock, backoff: constantBackoff(1000), timeout: 5000, ...options });
    return { clock, inbox, worker };
  }

  it("runs the handler for the event's type with the parsed event, then marks it done", async () => {
    const seen: unknown[] = [];
    const { inbox, worker } = setup({
      handlers: {
        "invoice.paid": (event, ctx) => {
          seen.push([event, ctx.type, ctx.attempt]);
        },
      },
    });
    const e = stripeEvent("invoice.paid");
    await inbox.put(e);
    expect(await worker.runOnce()).toBe(1);
    expect(seen).toEqual([[JSON.parse(e.payload.toString()), "invoice.paid", 1]]);
    expect((await inbox.get(e.id))?.status).toBe("done");
    expect(await worker.runOnce()).toBe(0);
  });

  it("sends other types to the fallback, and without one marks them done untouched", async () => {
    const fallback: string[] = [];
    const { inbox, worker } = setup({ handlers: { a: () => {} }, fallback: (_e, ctx) => void fallback.push(ctx.type as string) });
    await inbox.put(stripeEvent("b"));
    await worker.runOnce();
    expect(fallback).toEqual(["b"]);
    const bare = setup();
    const e = stripeEvent("c");
    await bare.inbox.put(e);
    await bare.worker.runOnce();
    expect((await bare.inbox.get(e.id))?.status).toBe("done");
  });

  it("retries a failing handler after the backoff, then succeeds", async () => {
    let calls = 0;
    const { clock, inbox, worker } = setup({
      handlers: {
        x: (_e, ctx) => {
          calls++;
          if (ctx.attempt < 3) throw new Error(`fail ${ctx.attempt}`);
        },
      },
    });
    const e = stripeEvent("x");
    await inbox.put(e);
    await worker.runOnce();
    expect(await inbox.get(e.id)).toMatchObject({ status: "pending", lastError: "Error: fail 1", runAt: T0 + 1000 });
    expect(await worker.runOnce()).toBe(0);
    await clock.advance(1000);
    await worker.runOnce();
    await clock.advance(1000);
    await worker.runOnce();
    expect(calls).toBe(3);
    expect((await inbox.get(e.id))?.status).toBe("done");
    expect(worker.stats()).toMatchObject({ succeeded: 1, failed: 2, deadLettered: 0 });
  });

  it("moves a poison event to dead letters after maxAttempts, and replays it", async () => {
    let poison = true;
    const { clock, inbox, worker } = setup({
      maxAttempts: 3,
      handlers: {
        x: () => {
          if (poison) throw new Error("poison");
        },
      },
    });
    const e = stripeEvent("x");
    await inbox.put(e);
    for (let i = 0; i < 3; i++) {
      await worker.runOnce();
      await clock.advance(1000);
    }
    expect(await worker.get(e.id)).toMatchObject({ status: "dead", attempts: 3, lastError: "Error: poison" });
    expect((await worker.list({ status: "dead" })).map((d) => d.id)).toEqual([e.id]);
    poison = false;
    expect(await worker.replay(e.id)).toBe(true);
    await worker.runOnce();
    expect(await worker.get(e.id)).toMatchObject({ status: "done", attempts: 1 });
    expect(await worker.purge()).toBe(1);
  });

  it("fails a handler that exceeds the timeout, aborting its signal, and retries once the handler has stopped", async () => {
    let signal: AbortSignal | undefined;
    const { clock, inbox, worker } = setup({
      timeout: 5000,
      handlers: {
        slow: (_e, ctx) => {
          signal = ctx.signal;
          return new Promise((_, reject) => ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason)));
        },
      },
    });
    const e = stripeEvent("slow");
    await inbox.put(e);
    const round = worker.runOnce();
    // The claim is real I/O: the handler (and its timer) starts once it resolves.
    await expect.poll(() => signal).toBeDefined();
    await clock.advance(4999);
    expect((await inbox.get(e.id))?.status).toBe("processing");
    await clock.advance(1);
    await round;
    expect(signal?.aborted).toBe(true);
    expect(await inbox.get(e.id)).toMatchObject({ status: "pending", lastError: "Error: handler timed out after 5000 ms" });
  });

  it("holds the event of a timed-out handler that ignores its signal until it stops or the lease nearly ends, so the retry never runs beside it", async () => {
    let signal: AbortSignal | undefined;
    let finish: () => void = () => {};
    const { clock, inbox, worker } = setup({
      timeout: 5000,
      lease: 60_000,
      handlers: {
        stubborn: (_e, ctx) => {
          signal = ctx.signal;
          return new Promise<void>((resolve) => {
            finish = resolve;
          });
        },
      },
    });
    const ignored = stripeEvent("stubborn");
    await inbox.put(ignored);
    const round = worker.runOnce();
    await expect.poll(() => signal).toBeDefined();
    await clock.advance(5000);
    expect(signal?.aborted).toBe(true);
    // Still running: the event stays claimed (up to 1 s before the lease ends: 60 - 5 - 1 = 54 s).
    await clock.advance(53_999);
    expect((await inbox.get(ignored.id))?.status).toBe("processing");
    await clock.advance(1);
    await round;
    expect(await inbox.get(ignored.id)).toMatchObject({ status: "pending", lastError: "Error: handler timed out after 5000 ms" });

    // One that stops late, but within the lease, is retried as soon as it stops (and still counts as failed).
    await clock.advance(10_000);
    signal = undefined;
    const next = worker.runOnce();
    await expect.poll(() => signal).toBeDefined();
    await clock.advance(5000);
    await clock.advance(2000);
    expect((await inbox.get(ignored.id))?.status).toBe("processing");
    finish();
    await next;
    expect(await inbox.get(ignored.id)).toMatchObject({ status: "pending", attempts: 2 });
  });

  it("commits ctx.atomically effects only when the event completes", async () => {
    const effects: string[] = [];
    const { clock, inbox, worker } = setup({
      handlers: {
        x: (_e, ctx) => {
          ctx.atomically(() => void effects.push(`${ctx.id}#${ctx.attempt}`));
          if (ctx.attempt === 1) throw new Error("first try fails after registering an effect");
        },
      },
    });
    const e = stripeEvent("x");
    await inbox.put(e);
    await worker.runOnce();
    await clock.advance(1000);
    await worker.runOnce();
    expect(effects).toEqual([`${e.id}#2`]);
  });

  it("claims again an event whose worker died (lease expired), and dead-letters one that keeps killing workers", async () => {
    const handled: string[] = [];
    const { clock, inbox, worker } = setup({ maxAttempts: 2, lease: 60_000, handlers: { x: (_e, ctx) => void handled.push(ctx.id) } });
    const e = stripeEvent("x");
    await inbox.put(e);
    // A worker claims and dies.
    await inbox.claim({ limit: 10, leaseMs: 60_000, now: clock.now(), lease: "dead-worker" });
    expect(await worker.runOnce()).toBe(0);
    await clock.advance(60_000);
    expect(await worker.runOnce()).toBe(1);
    expect(handled).toEqual([e.id]);

    const killer = stripeEvent("x");
    await inbox.put(killer);
    for (let i = 0; i < 2; i++) {
      await inbox.claim({ limit: 10, leaseMs: 60_000, now: clock.now(), lease: `dead-${i}` });
      await clock.advance(60_000);
    }
    await worker.runOnce();
    expect(handled).toEqual([e.id]);
    expect((await inbox.get(killer.id))?.status).toBe("dead");
  });

  it("processes events with the same ordering key one at a time, in order", async () => {
    const log: string[] = [];
    const { inbox, worker } = setup({
      concurrency: 8,
      handlers: {
        x: async (event: { n: number }, ctx) => {
          log.push(`start ${ctx.record.orderingKey}:${event.n}`);
          await new Promise((r) => setImmediate(r));
          log.push(`end ${ctx.record.orderingKey}:${event.n}`);
        },
      },
    });
    for (let n = 1; n <= 3; n++) {
      await inbox.put({ ...stripeEvent("x", { orderingKey: "A" }), payload: Buffer.from(JSON.stringify({ n })) });
    }
    for (let i = 0; i < 3; i++) await worker.runOnce();
    expect(log).toEqual(["start A:1", "end A:1", "start A:2", "end A:2", "start A:3", "end A:3"]);
  });

  it("a running worker wakes for a retry due before its next poll, not at the poll", async () => {
    const attempts: number[] = [];
    const { clock, inbox, worker } = setup({
      pollInterval: "1h",
      backoff: constantBackoff(1000),
      ...failingOnce(attempts),
    });
    worker.start();
    try {
      const e = stripeEvent("x");
      await inbox.put(e);
      worker.notify();
      await waitFor(async () => (await inbox.get(e.id))?.runAt === T0 + 1000, { what: "the retry to be scheduled" });
      expect(attempts).toEqual([1]);
      // The poll is an hour away; the retry is due in a second of the worker's clock.
      await clock.advance(1000);
      await waitFor(async () => (await inbox.get(e.id))?.status === "done", { what: "the retry to run" });
      expect(attempts).toEqual([1, 2]);
    } finally {
      await worker.stop();
    }
  });

  it("runs in the background once started, woken by notify, and stops cleanly", async () => {
    const done: string[] = [];
    const { inbox, worker } = setup({ pollInterval: "1h", handlers: { x: (_e, ctx) => void done.push(ctx.id) } });
    worker.start();
    const e = stripeEvent("x");
    await inbox.put(e);
    worker.notify();
    await expect.poll(() => done).toEqual([e.id]);
    await worker.stop();
    expect(worker.stats().running).toBe(false);
  });
}

/** A handler for `x` events that fails its first attempt (quietly) and lists every attempt in `attempts`. */
function failingOnce(attempts: number[]) {
  return {
    handlers: {
      x: (_e, ctx) => {
        attempts.push(ctx.attempt);
        if (ctx.attempt === 1) throw new Error("first try fails");
      },
    },
    onError: () => {},
  } satisfies Partial<WebhookWorkerOptions>;
}

describe("createWebhookWorker on the system clock", () => {
  it("runs a retry whose backoff is shorter than pollInterval near its due time", async () => {
    const inbox = memoryInbox();
    const attempts: number[] = [];
    const worker = createWebhookWorker({
      inbox,
      pollInterval: "1h",
      backoff: constantBackoff(50),
      ...failingOnce(attempts),
    });
    worker.start();
    try {
      const e = stripeEvent("x", { receivedAt: Date.now() });
      await inbox.put(e);
      worker.notify();
      // Generous: an hour-long poll would never get there in time.
      await waitFor(async () => (await inbox.get(e.id))?.status === "done", { timeout: 5000, what: "the retry to run" });
      expect(attempts).toEqual([1, 2]);
    } finally {
      await worker.stop();
      await inbox.close();
    }
  });
});

describe("createWebhookWorker options", () => {
  it("rejects bad options with ConfigError", () => {
    const inbox = memoryInbox();
    expect(() => createWebhookWorker({ inbox, concurrency: 0 })).toThrow(expect.objectContaining({ option: "worker.concurrency" }));
    expect(() => createWebhookWorker({ inbox, timeout: "10s", lease: "5s" })).toThrow(expect.objectContaining({ option: "worker.lease" }));
    expect(() => createWebhookWorker({ inbox, maxAttempts: 0 })).toThrow(expect.objectContaining({ option: "worker.maxAttempts" }));
  });
});
