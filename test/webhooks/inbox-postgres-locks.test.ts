import { expect, it } from "vitest";
import { postgresInbox } from "../../src/webhooks/inbox/postgres.js";
import { usePostgresSchema } from "../support/databases.js";
import { describePostgres } from "../support/services.js";
import { waitFor } from "../support/wait.js";

describePostgres("postgresInbox row locks", () => {
  const { pool, schema } = usePostgresSchema("inbox_locks", { max: 6 });
  const event = (id: string) => ({ id, scheme: "stripe", type: "t", orderingKey: undefined, payload: Buffer.from("{}"), headers: {}, receivedAt: 1 });
  /** Statements on this block's schema waiting for another transaction to end: batches that reached a row someone else holds. */
  const waitingOnLocks = async () =>
    Number(
      (await pool.query("SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event = 'transactionid' AND position($1 IN query) > 0", [schema])).rows[0].n,
    );

  it("completion batches naming the same rows in opposite orders take their locks in one order, so neither deadlocks", async () => {
    const table = "completes";
    const first = postgresInbox(pool, { schema, table });
    const second = postgresInbox(pool, { schema, table });
    for (const id of ["evt_a", "evt_b", "evt_c", "evt_d"]) await first.put(event(id));
    await second.get("evt_a"); // its first use creates the table if need be: not while the first batch holds it
    await Promise.all(Array.from({ length: 1000 }, (_, i) => first.put(event(`evt_filler${i}`))));
    expect(await first.claim({ limit: 4, leaseMs: 60_000, now: 2, lease: "L" })).toHaveLength(4);
    // Statistics that know several events are in progress, as a busy inbox's do: the planner then walks each
    // batch in the order it names its events (analyzed with none in progress, it walks them in table order).
    await pool.query(`ANALYZE ${schema}.${table}`);

    // A third connection holds evt_c and evt_d, so each batch stops on one of them. Locking rows in the order
    // it names them, the first would stop holding evt_a and the second holding evt_b, and once the holder
    // lets go each would wait for the other's row: PostgreSQL aborts one batch, failing all three completions.
    const holder = await pool.connect();
    try {
      await holder.query("BEGIN");
      await holder.query(`SELECT id FROM ${schema}.${table} WHERE id IN ('evt_c', 'evt_d') FOR UPDATE`);
      const one = Promise.allSettled(["evt_a", "evt_c", "evt_b"].map((id) => first.complete(id, "L", 3)));
      await waitFor(async () => (await waitingOnLocks()) === 1, { what: "the first batch to wait on evt_c" });
      const two = Promise.allSettled(["evt_b", "evt_d", "evt_a"].map((id) => second.complete(id, "L", 3)));
      await waitFor(async () => (await waitingOnLocks()) === 2, { what: "the second batch to wait too" });
      await holder.query("COMMIT");
      const results = [...(await one), ...(await two)];
      // Every completion answers (each row is done once: the other batch's claim on it is then stale); none fails.
      expect(results.map((r) => (r.status === "fulfilled" ? "answered" : (r.reason as Error).message))).toEqual(Array(6).fill("answered"));
    } finally {
      holder.release();
    }
    expect((await first.list({ status: "done" })).map((e) => e.id)).toEqual(["evt_a", "evt_b", "evt_c", "evt_d"]);
  });

  it("put batches carrying the same events in opposite orders both answer: the one PostgreSQL aborts for a deadlock inserts again", async () => {
    const table = "puts";
    const first = postgresInbox(pool, { schema, table });
    const second = postgresInbox(pool, { schema, table });
    await first.get("evt_x"); // both create the table before the batches race
    await second.get("evt_x");
    // A third connection inserts evt_c and evt_d without committing, so each batch stops on one of them holding
    // its first event (evt_a, evt_b); once the holder rolls back each reaches the other's: a deadlock.
    const holder = await pool.connect();
    try {
      await holder.query("BEGIN");
      await holder.query(
        `INSERT INTO ${schema}.${table} (id, scheme, payload, headers, received_at, run_at) VALUES ('evt_c', 's', '', '{}', 1, 1), ('evt_d', 's', '', '{}', 1, 1)`,
      );
      const one = Promise.allSettled(["evt_a", "evt_c", "evt_b"].map((id) => first.put(event(id))));
      await waitFor(async () => (await waitingOnLocks()) === 1, { what: "the first batch to wait on evt_c" });
      const two = Promise.allSettled(["evt_b", "evt_d", "evt_a"].map((id) => second.put(event(id))));
      await waitFor(async () => (await waitingOnLocks()) === 2, { what: "the second batch to wait too" });
      await holder.query("ROLLBACK");
      const results = [...(await one), ...(await two)];
      expect(results.map((r) => (r.status === "fulfilled" ? "answered" : (r.reason as Error).message))).toEqual(Array(6).fill("answered"));
      // Each event stored once; each delivery is "stored" in exactly one of the batches, "duplicate" in the other.
      const stored = results.filter((r) => r.status === "fulfilled" && r.value === "stored").length;
      expect(stored).toBe(4);
    } finally {
      holder.release();
    }
    expect((await first.list({ limit: 10 })).map((e) => e.id).sort()).toEqual(["evt_a", "evt_b", "evt_c", "evt_d"]);
  });

  /**
   * Makes PostgreSQL abort the next `times` INSERTs into `table` with SQLSTATE 40P01, as its deadlock detector
   * does to each side of a deadlock it aborts both of: a trigger counting on a sequence (whose values survive the
   * rollback of the statement that took them).
   */
  async function abortInsertsForDeadlock(table: string, times: number) {
    await pool.query(`CREATE SEQUENCE ${schema}.${table}_aborts`);
    await pool.query(`
      CREATE FUNCTION ${schema}.${table}_abort() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF nextval('${schema}.${table}_aborts') <= ${times} THEN
          RAISE EXCEPTION 'deadlock detected' USING ERRCODE = 'deadlock_detected';
        END IF;
        RETURN NEW;
      END $$`);
    await pool.query(`CREATE TRIGGER abort_inserts BEFORE INSERT ON ${schema}.${table} FOR EACH ROW EXECUTE FUNCTION ${schema}.${table}_abort()`);
  }

  it("a put batch aborted for a deadlock again on its next try (both sides of one were aborted) still stores its events", async () => {
    const inbox = postgresInbox(pool, { schema, table: "aborted_twice" });
    await inbox.get("evt_x"); // creates the table
    await abortInsertsForDeadlock("aborted_twice", 3);
    expect(await Promise.all(["evt_a", "evt_b"].map((id) => inbox.put(event(id))))).toEqual(["stored", "stored"]);
    expect((await inbox.list()).map((e) => e.id)).toEqual(["evt_a", "evt_b"]);
  });

  it("gives up after five tries aborted for deadlocks: the put fails with PostgreSQL's error and nothing is stored", async () => {
    const inbox = postgresInbox(pool, { schema, table: "aborted_always" });
    await inbox.get("evt_x");
    await abortInsertsForDeadlock("aborted_always", 5);
    await expect(inbox.put(event("evt_a"))).rejects.toMatchObject({ code: "40P01" });
    expect(await inbox.list()).toEqual([]);
    expect(await inbox.put(event("evt_a"))).toBe("stored"); // the sixth INSERT is let through
  });
});
