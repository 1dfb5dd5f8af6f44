/**
 * Signed events sent concurrently to receivers in child processes that are
 * killed with SIGKILL mid-run and restarted. The sender behaves like a
 * provider: it retries every delivery until it gets a 2xx. At the end every
 * acknowledged event must be stored, processed, and its handler's side effect
 * committed exactly once.
 */
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { usePostgresSchema } from "../support/databases.js";
import { freePort } from "../support/ports.js";
import { DATABASE_URL, describePostgres } from "../support/services.js";
import { waitFor } from "../support/wait.js";
import { killChild, sendUntilAcknowledged, startChild } from "./fixtures/processes.js";

const SECRET = "whsec_cmVsaWFiaWxpdHktdGVzdC1zZWNyZXQ=";
const EVENTS = 2000;

describe("SIGKILL reliability: sqlite", () => {
  const dir = mkdtempSync(join(tmpdir(), "ballast-reliability-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("processes every acknowledged event exactly once across two SIGKILLs", { timeout: 150_000 }, async () => {
    const file = join(dir, "inbox.db");
    const port = await freePort();
    const env = { MODE: "sqlite", TARGET: file, PORT: String(port), SECRET };
    let child = await startChild(env);
    let kills = 0;
    const { acked, deliveries } = await sendUntilAcknowledged({
      events: EVENTS,
      secret: SECRET,
      ports: () => [port],
      killAt: [0.25, 0.6],
      restart: async () => {
        kills++;
        await killChild(child);
        child = await startChild(env);
      },
    });
    expect(kills).toBe(2);
    expect(acked.size).toBe(EVENTS);
    expect(deliveries).toBeGreaterThan(EVENTS); // some deliveries failed mid-kill and were resent

    const db = new Database(file, { readonly: true });
    const done = () => (db.prepare("SELECT count(*) AS n FROM ballast_webhook_inbox WHERE status = 'done'").get() as { n: number }).n;
    await waitFor(() => done() === EVENTS, { timeout: 60_000, what: `all ${EVENTS} events processed` });
    await killChild(child);
    const effects = db.prepare("SELECT event_id, count(*) AS n FROM effects GROUP BY event_id").all() as Array<{ event_id: string; n: number }>;
    db.close();
    expect(effects.filter((e) => e.n !== 1)).toEqual([]);
    expect(new Set(effects.map((e) => e.event_id))).toEqual(acked);
  });
});

describePostgres("SIGKILL reliability: postgres with 4 receivers and 4 worker processes", () => {
  const { pool, schema } = usePostgresSchema("reliab", { max: 2 });

  it("processes every acknowledged event exactly once, in order per key, with a receiver and two workers SIGKILLed twice", { timeout: 180_000 }, async () => {
    // n: the order in which side effects committed.
    await pool.query(`CREATE TABLE ${schema}.effects (n BIGSERIAL, event_id TEXT NOT NULL)`);
    // Handlers take up to 60 ms, so each kill lands while the killed processes hold claims (on a quiet machine
    // 3 ms handlers kept up with the sender and a kill could find nothing in flight to reclaim).
    const env = { MODE: "postgres", TARGET: schema, SECRET, DATABASE_URL, ORDERED: "1", PAUSE_MS: "60" };
    const ports = await Promise.all(Array.from({ length: 4 }, freePort));
    const receivers = await Promise.all(ports.map((port) => startChild({ ...env, PORT: String(port) })));
    const workers = await Promise.all(Array.from({ length: 4 }, () => startChild({ ...env, PORT: "0" })));
    let kills = 0;
    let live = [...ports];
    const { acked, deliveries } = await sendUntilAcknowledged({
      events: EVENTS,
      secret: SECRET,
      ports: () => live,
      killAt: [0.3, 0.65],
      // 20 customers: events of one customer are processed one at a time, in the order received.
      body: (i) => ({ id: `evt_${i}`, type: "invoice.paid", data: { object: { id: `in_${i}`, customer: `cus_${i % 20}` } } }),
      restart: async () => {
        kills++;
        // One receiver (which also works) and two worker-only processes die together, holding claims.
        const r = kills % 4;
        live = ports.filter((_, i) => i !== r);
        await Promise.all([killChild(receivers[r] as ChildProcess), killChild(workers[0] as ChildProcess), killChild(workers[1] as ChildProcess)]);
        [receivers[r], workers[0], workers[1]] = await Promise.all([
          startChild({ ...env, PORT: String(ports[r]) }),
          startChild({ ...env, PORT: "0" }),
          startChild({ ...env, PORT: "0" }),
        ]);
        live = [...ports];
      },
    });
    expect(kills).toBe(2);
    expect(acked.size).toBe(EVENTS);
    expect(deliveries).toBeGreaterThan(EVENTS); // some deliveries failed mid-kill and were resent

    const done = async () => Number((await pool.query(`SELECT count(*) AS n FROM ${schema}.ballast_webhook_inbox WHERE status = 'done'`)).rows[0].n);
    await waitFor(async () => (await done()) === EVENTS, { timeout: 90_000, what: `all ${EVENTS} events processed` });
    await Promise.all([...receivers, ...workers].map((c) => killChild(c as ChildProcess)));
    // Claims held by the killed processes ran out and were claimed again.
    const reclaimed = await pool.query(`SELECT count(*) AS n FROM ${schema}.ballast_webhook_inbox WHERE attempts > 1`);
    expect(Number(reclaimed.rows[0].n)).toBeGreaterThan(0);
    const { rows } = await pool.query<{ event_id: string; n: string }>(`SELECT event_id, count(*) AS n FROM ${schema}.effects GROUP BY event_id`);
    expect(rows.filter((r) => r.n !== "1")).toEqual([]);
    expect(new Set(rows.map((r) => r.event_id))).toEqual(acked);
    // Per customer, side effects committed in the order the events were received.
    const order = await pool.query<{ key: string; seqs: string[] }>(
      `SELECT i.ordering_key AS key, array_agg(i.seq ORDER BY e.n) AS seqs
           FROM ${schema}.effects e JOIN ${schema}.ballast_webhook_inbox i ON i.id = e.event_id GROUP BY i.ordering_key`,
    );
    expect(order.rows).toHaveLength(20);
    for (const { key, seqs } of order.rows) {
      const asNumbers = seqs.map(Number);
      expect(asNumbers, `customer ${key}`).toEqual([...asNumbers].sort((a, b) => a - b));
    }
  });
});
