import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signWebhook, sqliteInbox } from "../../src/webhooks/index.js";
import { buildCli, runCli, startCli } from "./support/built-cli.js";

const dir = mkdtempSync(join(tmpdir(), "ballast-cli-dashboard-"));
beforeAll(async () => {
  await buildCli();
}, 300_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("ballast dashboard (the built CLI)", () => {
  it("has --help and exits 2 when the inbox file does not exist", async () => {
    const help = await runCli(["dashboard", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: ballast dashboard/);
    expect(help.stdout).toMatch(/--db <file>/);
    const missing = await runCli(["dashboard", "--db", join(dir, "nope.db")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no such file/);
  });

  it("serves the inbox on 127.0.0.1, prints the token, refuses replays without it, and stops on SIGINT", async () => {
    const file = join(dir, "inbox.db");
    const inbox = sqliteInbox(file);
    const payload = JSON.stringify({ id: "evt_cli", type: "invoice.paid" });
    await inbox.put({
      id: "evt_cli",
      scheme: "stripe",
      type: "invoice.paid",
      orderingKey: undefined,
      payload: Buffer.from(payload),
      headers: signWebhook({ scheme: "stripe", payload, secret: "whsec_dGVzdA==" }),
      receivedAt: Date.now(),
    });
    await inbox.close();
    const cli = await startCli(["dashboard", "--db", file]);
    try {
      const [, url, token] = await cli.waitFor(/Dashboard: (http:\/\/127\.0\.0\.1:\d+\/)#token=([0-9a-f]+)/, 30_000);
      expect(cli.stdout()).toContain(`Token for replays: ${token}`);
      const events = (await (await fetch(`${url}api/events`)).json()) as { events: Array<{ id: string; status: string }> };
      expect(events.events).toEqual([expect.objectContaining({ id: "evt_cli", status: "pending" })]);
      expect((await fetch(`${url}api/replay-dead`, { method: "POST" })).status).toBe(403);
      expect((await fetch(`${url}api/replay-dead`, { method: "POST", headers: { "x-ballast-token": token as string } })).status).toBe(200);
      const page = await (await fetch(url as string)).text();
      expect(page).toContain("evt_cli");
    } finally {
      const exit = await cli.stop("SIGINT");
      expect(exit.code).toBe(0);
    }
  });
});
