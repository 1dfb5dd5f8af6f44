import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { sqliteInbox } from "../../src/webhooks/inbox/sqlite.js";
import type { WebhookInbox } from "../../src/webhooks/inbox/types.js";
import { inboxContract } from "./inbox-contract.js";

const dir = mkdtempSync(join(tmpdir(), "ballast-inbox-"));

/** 100 concurrent puts of 4 KiB events (about 0.8 MiB of WAL). */
function putWave(inbox: WebhookInbox, wave: number, payload: Buffer): Promise<unknown> {
  return Promise.all(
    Array.from({ length: 100 }, (_, i) =>
      inbox.put({ id: `e${wave}_${i}`, scheme: "stripe", type: "t", orderingKey: undefined, payload, headers: {}, receivedAt: 1 }),
    ),
  );
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

inboxContract("sqlite (group commit)", async () => {
  const inbox = sqliteInbox(join(dir, "group.db"));
  return { inbox, cleanup: () => inbox.close() };
});

inboxContract("sqlite (SQLite's own synchronous=FULL)", async () => {
  const inbox = sqliteInbox(join(dir, "inline.db"), { fsync: "inline" });
  return { inbox, cleanup: () => inbox.close() };
});

inboxContract("sqlite (one commit per write)", async () => {
  const inbox = sqliteInbox(join(dir, "single.db"), { groupCommit: false, durability: "normal" });
  return { inbox, cleanup: () => inbox.close() };
});

describe("sqliteInbox", () => {
  it("uses WAL by default and keeps events across reopen", async () => {
    const path = join(dir, "durable.db");
    const inbox = sqliteInbox(path);
    await inbox.put({ id: "e1", scheme: "github", type: "push", orderingKey: undefined, payload: Buffer.from("{}"), headers: {}, receivedAt: 1 });
    await inbox.close();
    const db = new Database(path);
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    db.close();
    const again = sqliteInbox(path);
    expect((await again.get("e1"))?.type).toBe("push");
    await again.close();
  });

  it("runs effects on the same database inside the completing transaction", async () => {
    const inbox = sqliteInbox(join(dir, "effects.db"));
    await inbox.put({ id: "e1", scheme: "github", type: "push", orderingKey: undefined, payload: Buffer.from("{}"), headers: {}, receivedAt: 1 });
    const [claimed] = await inbox.claim({ limit: 1, leaseMs: 1000, now: 1, lease: "L" });
    expect(claimed?.id).toBe("e1");
    await inbox.complete("e1", "L", 2, [
      (db) => {
        db.exec("CREATE TABLE IF NOT EXISTS effects (id TEXT)");
        db.prepare("INSERT INTO effects VALUES (?)").run("e1");
      },
    ]);
    await inbox.close();
    const db = new Database(join(dir, "effects.db"));
    expect(db.prepare("SELECT count(*) AS n FROM effects").get()).toEqual({ n: 1 });
    db.close();
  });

  it("checkpoints from a background thread (the writer never does) and holds the WAL near walLimitBytes under writes that never pause", async () => {
    const path = join(dir, "sustained.db");
    const limit = 1024 * 1024;
    const inbox = sqliteInbox(path, { checkpointEveryMs: 5, walLimitBytes: limit });
    const payload = Buffer.alloc(4096, "x");
    // Back to back: a transaction is always open or about to be when a checkpoint ends, so the
    // WAL restarts only because writes are held while the thread catches up.
    for (let wave = 0; wave < 30; wave++) await putWave(inbox, wave, payload);
    const walBytes = statSync(`${path}-wal`).size;
    const dbBytes = statSync(path).size;
    // Only a checkpoint grows the database file. Without the hold the WAL keeps nearly
    // everything written (~24 MiB of pages here).
    expect(dbBytes).toBeGreaterThan(12 * 1024 * 1024);
    expect(walBytes).toBeLessThan(6 * limit);
    await inbox.close();
    const db = new Database(path);
    expect(db.prepare("SELECT count(*) AS n FROM ballast_webhook_inbox").get()).toEqual({ n: 3000 });
    db.close();
  });

  it("rejects bad options with ConfigError", () => {
    expect(() => sqliteInbox(join(dir, "x.db"), { table: "x; drop" })).toThrow(expect.objectContaining({ option: "table" }));
    expect(() => sqliteInbox(join(dir, "x.db"), { durability: "off" as "full" })).toThrow(expect.objectContaining({ option: "durability" }));
    expect(() => sqliteInbox(join(dir, "x.db"), { fsync: "sometimes" as "inline" })).toThrow(expect.objectContaining({ option: "fsync" }));
    expect(() => sqliteInbox(join(dir, "x.db"), { checkpoint: "never" as "inline" })).toThrow(expect.objectContaining({ option: "checkpoint" }));
    expect(() => sqliteInbox(join(dir, "x.db"), { checkpointEveryMs: 0 })).toThrow(expect.objectContaining({ option: "checkpointEveryMs" }));
    expect(() => sqliteInbox(join(dir, "x.db"), { walLimitBytes: -1 })).toThrow(expect.objectContaining({ option: "walLimitBytes" }));
  });
});
