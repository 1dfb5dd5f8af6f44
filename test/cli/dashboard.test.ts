import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { signWebhook, sqliteInbox } from "../../src/webhooks/index.js";
import { startServer } from "../support/http-server.js";
import { waitFor } from "../support/wait.js";
import { runCli, startCli, useCli } from "./support/built-cli.js";

const dir = mkdtempSync(join(tmpdir(), "ballast-cli-dashboard-"));
useCli();
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

  it("webhooks listen --ui serves the page beside the receiver: a dead forward is replayed from it with the token", async () => {
    let status = 503;
    const forwarded: string[] = [];
    const app = await startServer((req, res) => {
      forwarded.push(String(req.headers["x-ballast-event-id"]));
      req.resume();
      res.writeHead(status).end();
    });
    const appUrl = `${app.origin}/hooks`;
    const secret = "whsec_cli_ui_0123456789abcdef";
    const cli = await startCli(
      ["webhooks", "listen", "--scheme", "stripe", "--secret-env", "S", "--db", join(dir, "ui.db"), "--forward", appUrl, "--max-attempts", "1", "--ui"],
      { env: { S: secret } },
    );
    try {
      const [, hookUrl] = await waitForText(() => cli.stderr(), /listening on (http:\/\/127\.0\.0\.1:\d+\/\S*)/);
      const [, pageUrl, token] = await waitForText(() => cli.stderr(), /inbox page: (http:\/\/127\.0\.0\.1:\d+\/)#token=([0-9a-f]+)/);
      const sent = await runCli(
        ["webhooks", "send", "--scheme", "stripe", "--secret-env", "S", "--url", hookUrl as string, "--event", "invoice.paid", "--id", "evt_ui"],
        {
          env: { S: secret },
        },
      );
      expect(sent.code, sent.stderr).toBe(0);
      await cli.waitFor(/evt_ui {2}invoice\.paid {2}dead/, 30_000);
      const dead = (await (await fetch(`${pageUrl}api/events?status=dead`)).json()) as { events: Array<{ id: string }> };
      expect(dead.events.map((e) => e.id)).toEqual(["evt_ui"]);
      status = 200;
      const replay = await fetch(`${pageUrl}api/events/evt_ui/replay`, { method: "POST", headers: { "x-ballast-token": token as string } });
      expect(await replay.json()).toEqual({ message: "replayed evt_ui" });
      await cli.waitFor(/evt_ui {2}invoice\.paid {2}forwarded/, 30_000);
      expect(forwarded).toEqual(["evt_ui", "evt_ui"]);
      const stats = (await (await fetch(`${pageUrl}api/stats`)).json()) as { inbox: { done: number; dead: number }; worker: { running: boolean } };
      expect(stats.inbox).toMatchObject({ done: 1, dead: 0 });
      expect(stats.worker.running).toBe(true);
    } finally {
      expect((await cli.stop("SIGINT")).code).toBe(0);
      await app.close();
    }
  });
});

/** Polls `read()` until `pattern` matches (bounded; fails loudly with what was read). */
function waitForText(read: () => string, pattern: RegExp, ms = 30_000): Promise<RegExpMatchArray> {
  return waitFor(() => read().match(pattern), { timeout: ms, interval: 25, what: `${pattern}` }).catch((e: Error) => {
    throw new Error(`${e.message}; read:\n${read()}`);
  });
}
