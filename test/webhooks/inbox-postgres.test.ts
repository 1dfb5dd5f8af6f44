import pg from "pg";
import { expect, it } from "vitest";
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
  });
});
