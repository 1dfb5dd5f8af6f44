/**
 * 2,000 signed events sent concurrently to a receiver in a child process that
 * is killed with SIGKILL twice and restarted (with PostgreSQL, a worker-only
 * process dies with it each time). The sender behaves like a
 * provider: it retries every delivery until it gets a 2xx. At the end every
 * acknowledged event must be stored, processed, and its handler's side effect
 * committed exactly once.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import pg from "pg";
import { Agent } from "undici";
import { afterAll, describe, expect, it } from "vitest";
import { signWebhook } from "../../src/webhooks/index.js";
import { DATABASE_URL, describePostgres, uniqueName } from "../support/services.js";

const CHILD = fileURLToPath(new URL("./fixtures/reliability-child.ts", import.meta.url));
const SECRET = "whsec_cmVsaWFiaWxpdHktdGVzdC1zZWNyZXQ=";
const EVENTS = 2000;
const CONNECTIONS = 50;
const children = new Set<ChildProcess>();
afterAll(() => {
  for (const c of children) c.kill("SIGKILL");
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function start(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", CHILD], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] });
  children.add(child);
  child.on("exit", () => children.delete(child));
  return new Promise((resolve, reject) => {
    child.stdout?.on("data", (d: Buffer) => {
      if (d.toString().includes("ready")) resolve(child);
    });
    child.once("exit", (code) => reject(new Error(`child exited early (${code})`)));
  });
}

function kill(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });
}

/**
 * Sends every event until it is acknowledged, killing and restarting the
 * receiver when 25% and 60% of the events have been acknowledged.
 */
async function sendAll(port: number, restart: () => Promise<void>): Promise<{ acked: Set<string>; deliveries: number }> {
  const dispatcher = new Agent({ connections: CONNECTIONS, pipelining: 1 });
  const acked = new Set<string>();
  let deliveries = 0;
  const killAt = [Math.floor(EVENTS * 0.25), Math.floor(EVENTS * 0.6)];
  let restarting: Promise<void> | undefined;
  const queue = Array.from({ length: EVENTS }, (_, i) => `evt_${i}`);
  const send = async (id: string) => {
    const body = JSON.stringify({ id, type: "invoice.paid", data: { object: { id: `in_${id}` } } });
    for (;;) {
      await restarting;
      const headers = signWebhook({ scheme: "stripe", payload: body, secret: SECRET });
      deliveries++;
      try {
        const res = await fetch(`http://127.0.0.1:${port}/hooks`, { method: "POST", body, headers, dispatcher } as RequestInit);
        await res.arrayBuffer();
        if (res.status === 200) {
          acked.add(id);
          if (killAt.length > 0 && acked.size >= (killAt[0] as number) && !restarting) {
            killAt.shift();
            restarting = restart().finally(() => {
              restarting = undefined;
            });
          }
          return;
        }
      } catch {}
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) await send(id);
    }),
  );
  await dispatcher.close();
  return { acked, deliveries };
}

async function waitFor(check: () => Promise<boolean>, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("SIGKILL reliability: sqlite", () => {
  const dir = mkdtempSync(join(tmpdir(), "ballast-reliability-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("processes every acknowledged event exactly once across two SIGKILLs", { timeout: 150_000 }, async () => {
    const file = join(dir, "inbox.db");
    const port = await freePort();
    const env = { MODE: "sqlite", TARGET: file, PORT: String(port), SECRET };
    let child = await start(env);
    let kills = 0;
    const { acked, deliveries } = await sendAll(port, async () => {
      kills++;
      await kill(child);
      child = await start(env);
    });
    expect(kills).toBe(2);
    expect(acked.size).toBe(EVENTS);
    expect(deliveries).toBeGreaterThan(EVENTS); // some deliveries failed mid-kill and were resent

    const db = new Database(file, { readonly: true });
    const done = () => (db.prepare("SELECT count(*) AS n FROM ballast_webhook_inbox WHERE status = 'done'").get() as { n: number }).n;
    await waitFor(async () => done() === EVENTS, 60_000);
    await kill(child);
    const effects = db.prepare("SELECT event_id, count(*) AS n FROM effects GROUP BY event_id").all() as Array<{ event_id: string; n: number }>;
    db.close();
    expect(effects.filter((e) => e.n !== 1)).toEqual([]);
    expect(new Set(effects.map((e) => e.event_id))).toEqual(acked);
  });
});

describePostgres("SIGKILL reliability: postgres with 3 worker processes", () => {
  const schema = uniqueName("reliab").toLowerCase();
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
  afterAll(async () => {
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool.end();
  });

  it("processes every acknowledged event exactly once across two SIGKILLs", { timeout: 150_000 }, async () => {
    await pool.query(`CREATE SCHEMA ${schema}`);
    await pool.query(`CREATE TABLE ${schema}.effects (event_id TEXT NOT NULL)`);
    const port = await freePort();
    const env = { MODE: "postgres", TARGET: schema, SECRET, DATABASE_URL };
    let receiver = await start({ ...env, PORT: String(port) });
    // Two more worker-only processes: three processes claim from one table.
    const workers = await Promise.all([start({ ...env, PORT: "0" }), start({ ...env, PORT: "0" })]);
    let kills = 0;
    const { acked, deliveries } = await sendAll(port, async () => {
      kills++;
      // The receiver (which also works) and one worker-only process die together, holding claims.
      await Promise.all([kill(receiver), kill(workers[0] as ChildProcess)]);
      [receiver, workers[0]] = await Promise.all([start({ ...env, PORT: String(port) }), start({ ...env, PORT: "0" })]);
    });
    expect(kills).toBe(2);
    expect(acked.size).toBe(EVENTS);
    expect(deliveries).toBeGreaterThan(EVENTS); // some deliveries failed mid-kill and were resent

    const done = async () => Number((await pool.query(`SELECT count(*) AS n FROM ${schema}.ballast_webhook_inbox WHERE status = 'done'`)).rows[0].n);
    await waitFor(async () => (await done()) === EVENTS, 60_000);
    await Promise.all([receiver, ...workers].map(kill));
    // Claims held by the killed processes ran out and were claimed again.
    const reclaimed = await pool.query(`SELECT count(*) AS n FROM ${schema}.ballast_webhook_inbox WHERE attempts > 1`);
    expect(Number(reclaimed.rows[0].n)).toBeGreaterThan(0);
    const { rows } = await pool.query<{ event_id: string; n: string }>(`SELECT event_id, count(*) AS n FROM ${schema}.effects GROUP BY event_id`);
    expect(rows.filter((r) => r.n !== "1")).toEqual([]);
    expect(new Set(rows.map((r) => r.event_id))).toEqual(acked);
  });
});
