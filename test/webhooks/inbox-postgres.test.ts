import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { postgresInbox } from "../../src/webhooks/inbox/postgres.js";
import { DATABASE_URL, describePostgres, uniqueName } from "../support/services.js";
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

describePostgres("postgresInbox storage", () => {
  const schema = uniqueName("inbox_store").toLowerCase();
  // One connection: what it has prepared is what pg_prepared_statements shows.
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
  const event = (id: string) => ({
    id,
    scheme: "stripe",
    type: "invoice.paid",
    orderingKey: undefined,
    payload: Buffer.from(`{"id":"${id}"}`),
    headers: {},
    receivedAt: 1,
  });
  const preparedPuts = async () =>
    Number((await pool.query("SELECT count(*) AS n FROM pg_prepared_statements WHERE name LIKE 'ballast_inbox_put_%'")).rows[0].n);

  beforeAll(async () => {
    await pool.query(`CREATE SCHEMA ${schema}`);
  });
  afterAll(async () => {
    await pool.query(`DROP SCHEMA ${schema} CASCADE`);
    await pool.end();
  });

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
});
