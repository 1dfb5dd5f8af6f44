import { readFileSync } from "node:fs";
import { startDashboard } from "../../dashboard/index.js";
import { redactHeaders } from "../../redact.js";
import type { InboxEvent, InboxStatus } from "../../webhooks/inbox/types.js";
import type { SchemeName } from "../../webhooks/schemes/index.js";
import { CliError, usageError } from "../exit.js";
import { secretFromEnv } from "../options.js";
import { formatJson, isoTime, line, type Output, processOutput, table } from "../output.js";
import { untilSignal } from "../signals.js";
import { describeInbox, type InboxFlags, openInbox } from "./inbox.js";
import { type EventLine, listen } from "./listen.js";
import { sendWebhook } from "./send.js";

function eventLine(e: EventLine): string {
  return [isoTime(e.time), e.id ?? "-", e.type ?? "-", e.detail ? `${e.status} (${e.detail})` : e.status].join("  ");
}

function summary(e: InboxEvent): Record<string, unknown> {
  return {
    id: e.id,
    type: e.type ?? null,
    scheme: e.scheme,
    status: e.status,
    attempts: e.attempts,
    receivedAt: isoTime(e.receivedAt),
    completedAt: e.completedAt === undefined ? null : isoTime(e.completedAt),
    lastError: e.lastError ?? null,
  };
}

function detail(e: InboxEvent): Record<string, unknown> {
  const text = e.payload.toString("utf8");
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { ...summary(e), headers: redactHeaders(e.headers), body };
}

export interface ListenFlags extends InboxFlags {
  scheme: SchemeName;
  secretEnv: string;
  port: number;
  host: string;
  path: string;
  forward?: string;
  maxAttempts: number;
  backoff: number;
  forwardTimeout: number;
  tolerance?: number;
  bodyTimeout: number;
  json?: boolean;
  ui?: boolean;
}

export async function runListen(flags: ListenFlags, output: Output = processOutput): Promise<void> {
  const secret = secretFromEnv(flags.secretEnv, "--secret-env");
  if (!flags.path.startsWith("/")) throw usageError("--path must start with /");
  if (!(flags.bodyTimeout > 0)) throw usageError("--body-timeout must be more than 0");
  if (flags.forward !== undefined && !/^https?:\/\//i.test(flags.forward)) throw usageError("--forward must be an http(s) URL");
  const inbox = await openInbox(flags);
  const print = (e: EventLine) =>
    line(
      output.stdout,
      flags.json ? JSON.stringify({ time: isoTime(e.time), id: e.id ?? null, type: e.type ?? null, status: e.status, detail: e.detail ?? null }) : eventLine(e),
    );
  const listener = await listen({
    scheme: flags.scheme,
    secret,
    host: flags.host,
    port: flags.port,
    path: flags.path,
    inbox,
    forward: flags.forward,
    maxAttempts: flags.maxAttempts,
    backoffMs: flags.backoff,
    forwardTimeoutMs: flags.forwardTimeout,
    toleranceMs: flags.tolerance,
    bodyTimeoutMs: flags.bodyTimeout,
    print,
  }).catch(async (error: unknown) => {
    await inbox.close();
    throw new CliError(`cannot listen on ${flags.host}:${flags.port}: ${(error as Error).message}`);
  });
  line(output.stderr, `listening on ${listener.url} (scheme ${flags.scheme}, inbox ${describeInbox(flags)})`);
  if (flags.forward) line(output.stderr, `forwarding verified events to ${flags.forward} (up to ${flags.maxAttempts} attempts, then dead letters)`);
  const dashboard = flags.ui ? await startDashboard({ inbox, worker: listener.worker }) : undefined;
  if (dashboard) line(output.stderr, `inbox page: ${dashboard.urlWithToken} (replay token ${dashboard.token})`);
  line(output.stderr, "press Ctrl-C to stop");
  const signal = await untilSignal();
  line(output.stderr, `${signal}: stopping`);
  await dashboard?.close();
  await listener.close();
}

async function withInbox<T>(flags: InboxFlags, run: (inbox: Awaited<ReturnType<typeof openInbox>>) => Promise<T>): Promise<T> {
  const inbox = await openInbox(flags);
  try {
    return await run(inbox);
  } finally {
    await inbox.close();
  }
}

export interface ListFlags extends InboxFlags {
  status?: InboxStatus;
  limit: number;
  json?: boolean;
}

export async function runList(flags: ListFlags, output: Output = processOutput): Promise<void> {
  const events = await withInbox(flags, (inbox) => inbox.list({ ...(flags.status && { status: flags.status }), limit: flags.limit }));
  if (flags.json) {
    line(output.stdout, formatJson(events.map(summary), Boolean(output.stdout.isTTY)));
    return;
  }
  if (events.length === 0) {
    line(output.stderr, `no events${flags.status ? ` with status ${flags.status}` : ""} in ${describeInbox(flags)}`);
    return;
  }
  const rows = events.map((e) => [isoTime(e.receivedAt), e.id, e.type ?? "-", e.status, String(e.attempts), e.lastError ?? ""]);
  line(output.stdout, table([["RECEIVED", "ID", "TYPE", "STATUS", "ATTEMPTS", "LAST ERROR"], ...rows]));
}

export async function runShow(id: string, flags: InboxFlags & { json?: boolean }, output: Output = processOutput): Promise<void> {
  const event = await withInbox(flags, (inbox) => inbox.get(id));
  if (event === undefined) throw new CliError(`no event ${id} in ${describeInbox(flags)}`);
  const d = detail(event);
  if (flags.json) {
    line(output.stdout, formatJson(d, Boolean(output.stdout.isTTY)));
    return;
  }
  const s = summary(event);
  for (const [k, v] of Object.entries(s)) if (v !== null) line(output.stdout, `${k}: ${v}`);
  line(output.stdout, "headers:");
  for (const [k, v] of Object.entries(d.headers as Record<string, string>)) line(output.stdout, `  ${k}: ${v}`);
  line(output.stdout, "body:");
  line(output.stdout, typeof d.body === "string" ? d.body : JSON.stringify(d.body, null, 2));
}

export async function runReplay(id: string | undefined, flags: InboxFlags & { dead?: boolean }, output: Output = processOutput): Promise<void> {
  if ((id === undefined) === !flags.dead) throw usageError("give an event id, or --dead for every dead letter");
  await withInbox(flags, async (inbox) => {
    const ids = id !== undefined ? [id] : (await inbox.list({ status: "dead", limit: 100_000 })).map((e) => e.id);
    let replayed = 0;
    for (const one of ids) {
      if (await inbox.replay(one, Date.now())) {
        replayed++;
        line(output.stdout, `replayed ${one}`);
      } else if (id !== undefined) {
        throw new CliError(`cannot replay ${one}: no such event, or it is being processed now`);
      }
    }
    line(output.stderr, `${replayed} event${replayed === 1 ? "" : "s"} back to pending; a running worker (e.g. webhooks listen --forward) processes them`);
  });
}

export interface SendFlags {
  scheme: SchemeName;
  secretEnv: string;
  url: string;
  file?: string;
  event?: string;
  id?: string;
  json?: boolean;
}

export async function runSend(flags: SendFlags, output: Output = processOutput): Promise<void> {
  const secret = secretFromEnv(flags.secretEnv, "--secret-env");
  let payload: string | undefined;
  if (flags.file !== undefined) {
    try {
      payload = readFileSync(flags.file === "-" ? 0 : flags.file, "utf8");
    } catch (error) {
      throw usageError(`cannot read ${flags.file}: ${(error as Error).message}`);
    }
  }
  const result = await sendWebhook({ scheme: flags.scheme, secret, url: flags.url, payload, event: flags.event, id: flags.id }).catch((error: unknown) => {
    if (error instanceof CliError) throw error;
    throw new CliError(`cannot deliver to ${flags.url}: ${(error as Error).cause ?? (error as Error).message}`);
  });
  if (flags.json) line(output.stdout, JSON.stringify(result));
  else line(output.stdout, `${result.id}  ${result.type ?? "-"}  HTTP ${result.status}  ${result.body}`);
  if (result.status < 200 || result.status >= 300) throw new CliError(`the receiver answered HTTP ${result.status}`);
}
