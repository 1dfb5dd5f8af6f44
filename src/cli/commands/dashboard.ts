import { existsSync } from "node:fs";
import type { Command } from "commander";
import { startDashboard } from "../../dashboard/index.js";
import { sqliteInbox } from "../../webhooks/inbox/sqlite.js";
import { usageError } from "../exit.js";

interface DashboardFlags {
  db: string;
  host: string;
  port: string;
}

/** `ballast dashboard --db FILE`: the inbox page, until interrupted. */
export async function runDashboard(flags: DashboardFlags): Promise<void> {
  if (!existsSync(flags.db)) throw usageError(`--db ${flags.db}: no such file (the inbox of "ballast webhooks listen --db FILE")`);
  const port = Number(flags.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw usageError(`--port must be a port number; got ${flags.port}`);
  const inbox = sqliteInbox(flags.db);
  const dashboard = await startDashboard({ inbox, host: flags.host, port });
  process.stdout.write(`Dashboard: ${dashboard.urlWithToken}\nToken for replays: ${dashboard.token}\nPress Ctrl-C to stop.\n`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  await dashboard.close();
  await inbox.close();
}

export function registerDashboard(program: Command): void {
  program
    .command("dashboard")
    .description("serve a local page over a webhook inbox: events, headers and bodies (redacted), replays, live stats")
    .requiredOption("--db <file>", "the SQLite inbox file")
    .option("--host <host>", "address to bind (the page is for this machine: keep the default unless you know why)", "127.0.0.1")
    .option("--port <port>", "port to listen on (0: any free port)", "0")
    .action(runDashboard);
}
