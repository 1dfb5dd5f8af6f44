import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import type { IncomingHttpHeaders } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { verifyWebhook } from "../../src/webhooks/index.js";
import { usePostgresSchema } from "../support/databases.js";
import { startServer } from "../support/http-server.js";
import { DATABASE_URL, describePostgres } from "../support/services.js";
import { type CliProcess, runCli, useCli } from "./support/built-cli.js";

const SECRET = "whsec_cli_test_0123456789abcdef";
const env = { WEBHOOK_SECRET: SECRET };
const dir = mkdtempSync(join(tmpdir(), "ballast-cli-webhooks-"));
const cliProcesses = useCli();

interface Delivery {
  headers: IncomingHttpHeaders;
  body: string;
}

/** The local app `--forward` delivers to: answers each request with the next status of `script` (the last repeats). */
async function startApp(script: number[]): Promise<{ url: string; deliveries: Delivery[]; setScript(s: number[]): void; close(): Promise<void> }> {
  const deliveries: Delivery[] = [];
  let statuses = script;
  const server = await startServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      deliveries.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      const status = statuses[Math.min(deliveries.length - 1, statuses.length - 1)] as number;
      res.writeHead(status).end(status < 300 ? "ok" : "no");
    });
  });
  return {
    url: `${server.origin}/hooks`,
    deliveries,
    setScript(s) {
      statuses = s;
    },
    async close() {
      await server.close();
    },
  };
}

async function startListen(args: string[], extraEnv: Record<string, string> = {}): Promise<{ cli: CliProcess; url: string }> {
  const cli = await cliProcesses.start(["webhooks", "listen", "--secret-env", "WEBHOOK_SECRET", ...args], { env: { ...env, ...extraEnv } });
  const m = await cli.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+\/\S*)/);
  return { cli, url: m[1] as string };
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("ballast webhooks listen --forward", () => {
  it("verifies, stores, and forwards each event to the local app with its original body and headers plus x-ballast-event-id; a failed forward is retried", async () => {
    const app = await startApp([500, 200]);
    const db = join(dir, `${randomUUID()}.db`);
    try {
      const { cli, url } = await startListen(["--scheme", "stripe", "--db", db, "--forward", app.url, "--backoff", "50ms"]);
      const sent = await runCli(
        ["webhooks", "send", "--scheme", "stripe", "--secret-env", "WEBHOOK_SECRET", "--url", url, "--event", "invoice.paid", "--id", "evt_cli_1"],
        { env },
      );
      expect(sent.code, sent.stderr).toBe(0);
      expect(sent.stdout).toMatch(/^evt_cli_1 {2}invoice\.paid {2}HTTP 200/);
      await cli.waitFor(/evt_cli_1 {2}invoice\.paid {2}forwarded \(HTTP 200, attempt 2\)/);
      expect(cli.stdout()).toMatch(/evt_cli_1 {2}invoice\.paid {2}received/);
      expect(cli.stdout()).toMatch(/evt_cli_1 {2}invoice\.paid {2}failed \(.*HTTP 500; attempt 1 of 5, will retry\)/);

      // The app got the delivery twice, byte for byte, and can verify the original signature itself.
      expect(app.deliveries).toHaveLength(2);
      const last = app.deliveries[1] as Delivery;
      expect(last.headers["x-ballast-event-id"]).toBe("evt_cli_1");
      const verified = verifyWebhook({ scheme: "stripe", payload: last.body, headers: last.headers as Record<string, string>, secret: SECRET });
      expect(verified.id).toBe("evt_cli_1");
      expect(app.deliveries[0]?.body).toBe(last.body);

      // A forged delivery is refused and neither stored nor forwarded.
      const forged = await runCli(["webhooks", "send", "--scheme", "stripe", "--secret-env", "WEBHOOK_SECRET", "--url", url, "--event", "invoice.paid"], {
        env: { WEBHOOK_SECRET: "whsec_wrong" },
      });
      expect(forged.code).toBe(1);
      expect(forged.stdout).toContain("HTTP 401");
      await cli.waitFor(/rejected \(HTTP 401 signature_mismatch\)/);

      // A second delivery of the same event is a duplicate: acknowledged, not forwarded again.
      await runCli(["webhooks", "send", "--scheme", "stripe", "--secret-env", "WEBHOOK_SECRET", "--url", url, "--event", "invoice.paid", "--id", "evt_cli_1"], {
        env,
      });
      await cli.waitFor(/evt_cli_1 {2}invoice\.paid {2}duplicate/);

      const stopped = await cli.stop("SIGTERM");
      expect(stopped.code).toBe(0);
      expect(cli.stderr()).toContain("SIGTERM: stopping");
      expect(app.deliveries).toHaveLength(2);

      const list = await runCli(["webhooks", "list", "--db", db, "--json"]);
      expect(list.code).toBe(0);
      expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ id: "evt_cli_1", type: "invoice.paid", status: "done", attempts: 2 })]);
    } finally {
      await app.close();
    }
  });

  it("after the last attempt an event is a dead letter; replay --dead sends it again once the app is back", async () => {
    const app = await startApp([503]);
    const db = join(dir, `${randomUUID()}.db`);
    try {
      const { cli, url } = await startListen(["--scheme", "github", "--db", db, "--forward", app.url, "--backoff", "20ms", "--max-attempts", "2", "--json"]);
      const sent = await runCli(
        ["webhooks", "send", "--scheme", "github", "--secret-env", "WEBHOOK_SECRET", "--url", url, "--event", "issues.opened", "--id", "d-1"],
        { env },
      );
      expect(sent.code, sent.stderr).toBe(0);
      await cli.waitFor(/"status":"dead"/);
      const events = cli
        .stdout()
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { id: string; type: string; status: string });
      expect(events.map((e) => e.status)).toEqual(["received", "failed", "dead"]);
      expect(events[0]).toMatchObject({ id: "d-1", type: "issues.opened" });

      const dead = await runCli(["webhooks", "list", "--db", db, "--status", "dead"]);
      expect(dead.code).toBe(0);
      expect(dead.stdout).toMatch(/d-1 +issues\.opened +dead +2 +Error: .*HTTP 503/);

      app.setScript([200]);
      const replay = await runCli(["webhooks", "replay", "--dead", "--db", db]);
      expect(replay.code).toBe(0);
      expect(replay.stdout).toBe("replayed d-1\n");
      // The running listener's worker picks the replayed event up.
      await cli.waitFor(/"id":"d-1","type":"issues.opened","status":"forwarded"/);
      expect(app.deliveries.at(-1)?.headers["x-github-event"]).toBe("issues");

      const show = await runCli(["webhooks", "show", "d-1", "--db", db, "--json"]);
      expect(show.code).toBe(0);
      const shown = JSON.parse(show.stdout);
      expect(shown).toMatchObject({ id: "d-1", status: "done", body: { action: "opened" } });
      expect(shown.headers["x-hub-signature-256"]).toBe("[REDACTED]");
    } finally {
      await app.close();
    }
  });

  it("without --forward, events are stored pending for another worker; show prints headers and body; replay of an unknown id exits 1", async () => {
    const db = join(dir, `${randomUUID()}.db`);
    const { cli, url } = await startListen(["--scheme", "standard", "--db", db]);
    const sent = await runCli(
      ["webhooks", "send", "--scheme", "standard", "--secret-env", "WEBHOOK_SECRET", "--url", url, "--event", "user.created", "--id", "msg_1"],
      { env },
    );
    expect(sent.code, sent.stderr).toBe(0);
    await cli.waitFor(/msg_1 {2}user\.created {2}received/);
    expect((await cli.stop()).code).toBe(0);
    const show = await runCli(["webhooks", "show", "msg_1", "--db", db]);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain("status: pending");
    expect(show.stdout).toContain("webhook-signature: [REDACTED]");
    expect(show.stdout).toContain('"type": "user.created"');
    expect(show.stdout).not.toContain(SECRET);
    const missing = await runCli(["webhooks", "replay", "nope", "--db", db]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("cannot replay nope");
    const notThere = await runCli(["webhooks", "show", "nope", "--db", db]);
    expect(notThere.code).toBe(1);
  });

  it("usage errors exit 2: a missing secret variable, an unknown scheme, replay without an id or --dead", async () => {
    const noSecret = await runCli(["webhooks", "listen", "--scheme", "stripe", "--secret-env", "NO_SUCH_SECRET"], { env: { NO_SUCH_SECRET: undefined } });
    expect(noSecret.code).toBe(2);
    expect(noSecret.stderr).toContain("NO_SUCH_SECRET is not set");
    const badScheme = await runCli(["webhooks", "send", "--scheme", "nope", "--secret-env", "WEBHOOK_SECRET", "--url", "http://127.0.0.1:1/", "--event", "x"], {
      env,
    });
    expect(badScheme.code).toBe(2);
    expect(badScheme.stderr).toContain("Allowed choices are");
    const replay = await runCli(["webhooks", "replay", "--db", join(dir, "none.db")]);
    expect(replay.code).toBe(2);
  });

  it("every webhooks command has --help", async () => {
    for (const sub of ["listen", "list", "show", "replay", "send"]) {
      const r = await runCli(["webhooks", sub, "--help"]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Usage: ballast webhooks ${sub}`);
      expect(r.stdout).toContain("Exit codes");
    }
  });
});

describePostgres("ballast webhooks on a PostgreSQL inbox (--database-url)", () => {
  const { pool, schema } = usePostgresSchema("cli_inbox", { max: 2 });

  it("listen stores into PostgreSQL; list and show read it back", async () => {
    const { cli, url } = await startListen(["--scheme", "stripe", "--database-url", DATABASE_URL, "--schema", schema]);
    const sent = await runCli(
      ["webhooks", "send", "--scheme", "stripe", "--secret-env", "WEBHOOK_SECRET", "--url", url, "--event", "charge.refunded", "--id", "evt_pg"],
      { env },
    );
    expect(sent.code, sent.stderr).toBe(0);
    await cli.waitFor(/evt_pg {2}charge\.refunded {2}received/);
    expect((await cli.stop()).code).toBe(0);
    const { rows } = await pool.query(`SELECT id, status FROM ${schema}.ballast_webhook_inbox`);
    expect(rows).toEqual([{ id: "evt_pg", status: "pending" }]);
    const list = await runCli(["webhooks", "list", "--database-url", DATABASE_URL, "--schema", schema, "--json"]);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ id: "evt_pg", status: "pending" })]);
  });
});
