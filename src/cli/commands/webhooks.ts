import { type Command, Option } from "commander";
import type { InboxStatus } from "../../webhooks/inbox/types.js";
import { type SchemeName, schemes } from "../../webhooks/schemes/index.js";
import { duration, port, positiveInt } from "../options.js";
import type { InboxFlags } from "../webhooks/inbox.js";
import type { ListenFlags, ListFlags, SendFlags } from "../webhooks/run.js";

const SCHEMES = Object.keys(schemes) as SchemeName[];
const STATUSES: InboxStatus[] = ["pending", "processing", "done", "dead"];
const run = () => import("../webhooks/run.js");

const EXIT_CODES = `
Exit codes: 0 success; 1 failure (not found, not delivered, refused by the receiver); 2 bad usage or a missing environment variable.`;

function inboxOptions(cmd: Command): Command {
  return cmd
    .option("--db <file>", "SQLite inbox file (default ballast-inbox.db)")
    .option("--database-url <url>", "PostgreSQL inbox instead (postgres://...)")
    .option("--schema <name>", "PostgreSQL schema of the inbox table")
    .option("--table <name>", "inbox table (default ballast_webhook_inbox)");
}

const schemeOption = () => new Option("--scheme <scheme>", "signature scheme").choices(SCHEMES).makeOptionMandatory();

export function registerWebhooks(program: Command): void {
  const webhooks = program.command("webhooks").description("receive, inspect, replay and send signed webhooks");

  inboxOptions(
    webhooks
      .command("listen")
      .description("receive webhooks: verify each signature, store the event durably, answer 2xx; optionally forward to a local app")
      .addOption(schemeOption())
      .requiredOption("--secret-env <VAR>", "environment variable holding the signing secret")
      .option("--port <port>", "port to listen on (0: any free port)", port, 0)
      .option("--host <host>", "address to bind", "127.0.0.1")
      .option("--path <path>", "path webhooks are posted to", "/webhooks")
      .option("--forward <url>", "deliver each verified event to this URL (original body and headers + x-ballast-event-id)")
      .option("--max-attempts <n>", "forwarding attempts before an event goes to dead letters", positiveInt, 5)
      .option("--backoff <duration>", "wait before the first forwarding retry (doubles each time)", duration, 1000)
      .option("--forward-timeout <duration>", "time limit of one forwarding attempt", duration, 10_000)
      .option("--tolerance <duration>", "replay window for signed timestamps (default: the scheme's)", duration)
      .option("--body-timeout <duration>", "a delivery's headers, then its body, must each arrive within this time, else 408", duration, 10_000)
      .option("--json", "one JSON object per event instead of text lines")
      .option("--ui", "also serve the inbox page on 127.0.0.1 (as ballast dashboard); its URL and replay token go to stderr"),
  )
    .addHelpText(
      "after",
      `
Prints one line per event: time, id, type, status (received, duplicate, rejected, forwarded, failed, dead).
Runs until SIGINT or SIGTERM, then stops receiving, lets running forwards finish and closes the inbox.${EXIT_CODES}

Example:
  STRIPE_WEBHOOK_SECRET=whsec_... ballast webhooks listen --scheme stripe --secret-env STRIPE_WEBHOOK_SECRET --port 4242 --forward http://127.0.0.1:3000/webhooks`,
    )
    .action(async (flags: ListenFlags) => (await run()).runListen(flags));

  inboxOptions(
    webhooks
      .command("list")
      .description("list stored events, oldest first")
      .addOption(new Option("--status <status>", "only events with this status").choices(STATUSES))
      .option("--limit <n>", "at most n events", positiveInt, 100)
      .option("--json", "print a JSON array"),
  )
    .addHelpText("after", EXIT_CODES)
    .action(async (flags: ListFlags) => (await run()).runList(flags));

  inboxOptions(
    webhooks
      .command("show")
      .description("show one stored event: status, attempts, headers (secrets redacted) and body")
      .argument("<id>", "event id")
      .option("--json", "print JSON"),
  )
    .addHelpText("after", EXIT_CODES)
    .action(async (id: string, flags: InboxFlags & { json?: boolean }) => (await run()).runShow(id, flags));

  inboxOptions(
    webhooks
      .command("replay")
      .description("make an event (or every dead letter) pending again, attempts reset")
      .argument("[id]", "event id")
      .option("--dead", "replay every dead letter"),
  )
    .addHelpText("after", EXIT_CODES)
    .action(async (id: string | undefined, flags: InboxFlags & { dead?: boolean }) => (await run()).runReplay(id, flags));

  webhooks
    .command("send")
    .description("send a correctly signed webhook to an endpoint (for testing your own receiver)")
    .addOption(schemeOption())
    .requiredOption("--secret-env <VAR>", "environment variable holding the signing secret")
    .requiredOption("--url <url>", "where to POST")
    .option("--file <file>", "the body to send, byte for byte (- reads stdin)")
    .option("--event <type>", "send a small sample event of this type (e.g. invoice.paid, push, issues.opened)")
    .option("--id <id>", "event / delivery id (default: a new one)")
    .option("--json", "print the result as JSON")
    .addHelpText("after", EXIT_CODES)
    .action(async (flags: SendFlags) => (await run()).runSend(flags));
}
