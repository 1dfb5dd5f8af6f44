import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { postgresInbox } from "../../src/webhooks/inbox/postgres.js";
import { DATABASE_URL, describePostgres, uniqueName } from "../support/services.js";
import { waitFor } from "../support/wait.js";
import { inboxContract } from "./inbox-contract.js";

describePostgres("postgresInbox", () => {
  const schema = uniqueName("inbox").toLowerCase();
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 6 });

  inboxContract("postgres", async () => {
    await pool.query(`CREATE SCHEMA ${schema}`);
    const inbox = postgresInbox(pool, { schema });
    return {
      inbox,
      cleanup: async () => {
        await inbox.close();
        await pool.query(`DROP SCHEMA ${schema} CASCADE`);
        await pool.end();
      },
    };
  });

  it("rejects bad options with ConfigError", () => {
    expect(() => postgresInbox(pool, { table: "a b" })).toThrow(expect.objectContaining({ option: "table" }));
    expect(() => postgresInbox({} as pg.Pool)).toThrow(expect.objectContaining({ option: "pool" }));
    expect(() => postgresInbox(pool, { preparedStatements: "yes" as unknown as boolean })).toThrow(expect.objectContaining({ option: "preparedStatements" }));
  });
});

/** A small event with this id. */
const event = (id: string) => ({
  id,
  scheme: "stripe",
  type: "invoice.paid",
  orderingKey: undefined,
  payload: Buffer.from(`{"id":"${id}"}`),
  headers: {},
  receivedAt: 1,
});

/** A schema of its own on `pool` for one describe block, dropped (and the pool ended) after it. */
function ownSchema(pool: pg.Pool, schema: string): void {
  beforeAll(async () => {
    await pool.query(`CREATE SCHEMA ${schema}`);
  });
  afterAll(async () => {
    await pool.query(`DROP SCHEMA ${schema} CASCADE`);
    await pool.end();
  });
}

describePostgres("postgresInbox storage", () => {
  const schema = uniqueName("inbox_store").toLowerCase();
  // One connection: what it has prepared is what pg_prepared_statements shows.
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
  const preparedPuts = async () =>
    Number((await pool.query("SELECT count(*) AS n FROM pg_prepared_statements WHERE name LIKE 'ballast_inbox_put_%'")).rows[0].n);

  ownSchema(pool, schema);

  it("compresses payloads with lz4 in a table it creates, where the server has lz4", async () => {
    await postgresInbox(pool, { schema, table: "lz4_check" }).put(event("evt_lz4"));
    const { rows } = await pool.query(
      `SELECT (SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression') AS available,
              (SELECT attcompression FROM pg_attribute WHERE attrelid = '${schema}.lz4_check'::regclass AND attname = 'payload') AS method`,
    );
    expect(rows[0].method).toBe(rows[0].available ? "l" : "");
  });

  it("prepares put's INSERT once per connection, or not at all with preparedStatements: false", async () => {
    await pool.query("DEALLOCATE ALL");
    const plain = postgresInbox(pool, { schema, table: "unprepared", preparedStatements: false });
    expect(await plain.put(event("evt_p1"))).toBe("stored");
    expect(await preparedPuts()).toBe(0);
    const inbox = postgresInbox(pool, { schema, table: "prepared" });
    expect(await inbox.put(event("evt_p2"))).toBe("stored");
    expect(await inbox.put(event("evt_p3"))).toBe("stored");
    expect(await inbox.put(event("evt_p2"))).toBe("duplicate");
    expect(await preparedPuts()).toBe(1);
  });

  it("claims by walking the open-events index in order, even on a table never analyzed with a backlog of open events", async () => {
    const inbox = postgresInbox(pool, { schema, table: "backlog" });
    await Promise.all(Array.from({ length: 2000 }, (_, i) => inbox.put(event(`evt_b${i}`))));
    const scans = async () => {
      const { rows } = await pool.query(
        `SELECT indexrelname AS name, idx_scan AS scans, idx_tup_read AS entries FROM pg_stat_user_indexes WHERE schemaname = $1 AND relname = 'backlog'`,
        [schema],
      );
      return Object.fromEntries(rows.map((r) => [r.name, { scans: Number(r.scans), entries: Number(r.entries) }]));
    };
    const before = await scans();
    const claimed = await inbox.claim({ limit: 10, leaseMs: 60_000, now: 2, lease: "backlog-lease" });
    expect(claimed.map((e) => e.id)).toEqual(Array.from({ length: 10 }, (_, i) => `evt_b${i}`));
    // The claim's connection reports its statistics when next idle (one connection in this pool).
    await pool.query("SELECT pg_stat_force_next_flush()");
    const after = await waitFor(
      async () => {
        const now = await scans();
        return (now.backlog_open?.scans ?? 0) > (before.backlog_open?.scans ?? 0) && now;
      },
      { what: "the claim to scan backlog_open" },
    );
    // It read about the ten it claimed, not the 2,000 open events, and the status index not at all.
    expect(after.backlog_open!.entries - before.backlog_open!.entries).toBeLessThan(100);
    expect(after.backlog_status!.scans).toBe(before.backlog_status!.scans);
  });

  it("completes events finished together in one statement, each answering for its own lease", async () => {
    const inbox = postgresInbox(pool, { schema, table: "completes" });
    for (let i = 0; i < 20; i++) await inbox.put(event(`evt_c${i}`));
    const claimed = await inbox.claim({ limit: 20, leaseMs: 60_000, now: 2, lease: "lease-c" });
    const updates: string[] = [];
    const query = pool.query.bind(pool);
    pool.query = ((config: unknown, ...rest: unknown[]) => {
      const text = typeof config === "string" ? config : (config as { text: string }).text;
      if (/\bUPDATE\b/.test(text)) updates.push(text);
      return (query as (...a: unknown[]) => unknown)(config, ...rest);
    }) as typeof pool.query;
    try {
      const results = await Promise.all([
        ...claimed.map((e) => inbox.complete(e.id, "lease-c", 3)),
        inbox.complete("evt_c0", "lease-c", 3),
        inbox.complete("evt_c1", "another-lease", 3),
        inbox.complete("evt_unknown", "lease-c", 3),
      ]);
      expect(results).toEqual([...claimed.map(() => true), false, false, false]);
    } finally {
      pool.query = query;
    }
    expect(updates).toHaveLength(1);
    expect((await inbox.list({ status: "done" })).map((e) => [e.id, e.completedAt])).toEqual(claimed.map((e) => [e.id, 3]));
  });
});

describePostgres("postgresInbox group commit", () => {
  const schema = uniqueName("inbox_group").toLowerCase();
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 6 });

  ownSchema(pool, schema);

  /**
   * Puts `n` events at once. Every INSERT is held until the batcher has had 20 turns of the event loop to start
   * batches (it needs no I/O to start one), so `started` is how many it lets run at once, however fast the server.
   */
  async function putAtOnce(table: string, n: number, groupCommit?: { concurrency: number }) {
    const inbox = postgresInbox(pool, { schema, table, ...(groupCommit && { groupCommit }) });
    await inbox.get("evt_none"); // creates the table, so every put below queues before the first batch leaves
    let inFlight = 0;
    let most = 0;
    const sizes: number[] = [];
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const query = pool.query.bind(pool);
    pool.query = ((config: { text?: string; values?: unknown[][] }, ...rest: unknown[]) => {
      if (!config.text?.includes("INSERT INTO")) return (query as (...a: unknown[]) => unknown)(config, ...rest);
      sizes.push(config.values?.[0]?.length ?? 0);
      most = Math.max(most, ++inFlight);
      return held.then(() => query(config as never) as Promise<unknown>).finally(() => inFlight--);
    }) as typeof pool.query;
    try {
      const puts = Promise.all(Array.from({ length: n }, (_, i) => inbox.put(event(`evt_${table}_${i}`))));
      for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve));
      const started = sizes.length;
      release();
      const results = await puts;
      expect(results.every((r) => r === "stored")).toBe(true);
      expect(Number((await pool.query(`SELECT count(*) AS n FROM ${schema}.${table}`)).rows[0].n)).toBe(n);
      return { started, most, sizes };
    } finally {
      release();
      pool.query = query;
    }
  }

  it("keeps one batch in flight per pooled connection by default, so a burst fills the pool", async () => {
    const { started, most, sizes } = await putAtOnce("pooled", 3200);
    expect(started).toBe(6);
    expect(most).toBe(6);
    expect(sizes).toEqual([500, 500, 500, 500, 500, 500, 200]);
  });

  it("keeps at most groupCommit.concurrency batches in flight when it is set", async () => {
    const { started, most, sizes } = await putAtOnce("four", 1600, { concurrency: 4 });
    expect(started).toBe(4);
    expect(most).toBe(4);
    expect(sizes).toEqual([500, 500, 500, 100]);
  });
});
