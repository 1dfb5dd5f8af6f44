import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { sqliteInbox } from "../../src/webhooks/inbox/sqlite.js";
import { inboxContract } from "./inbox-contract.js";

const dir = mkdtempSync(join(tmpdir(), "ballast-inbox-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

inboxContract("sqlite (group commit)", async () => {
  const inbox = sqliteInbox(join(dir, "group.db"));
  return { inbox, cleanup: () => inbox.close() };
});

inboxContract("sqlite (one commit per write)", async () => {
  const inbox = sqliteInbox(join(dir, "single.db"), { groupCommit: false, durability: "normal" });
  return { inbox, cleanup: () => inbox.close() };
});

describe("sqliteInbox", () => {
  it("uses WAL with synchronous=FULL by default, and keeps events across reopen", async () => {
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

  it("rejects bad options with ConfigError", () => {
    expect(() => sqliteInbox(join(dir, "x.db"), { table: "x; drop" })).toThrow(expect.objectContaining({ option: "table" }));
    expect(() => sqliteInbox(join(dir, "x.db"), { durability: "off" as "full" })).toThrow(expect.objectContaining({ option: "durability" }));
  });
});
