import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type Clock, systemClock } from "../clock.js";
import { ConfigError } from "../errors.js";
import { redactFields, redactHeaders, redactText } from "../redact.js";
import { slowClientLimits } from "../util/server-timeouts.js";
import { countEvents } from "../webhooks/inbox/counts.js";
import type { InboxCounts, InboxEvent, InboxStatus, WebhookInbox } from "../webhooks/inbox/types.js";
import type { WebhookWorker } from "../webhooks/worker.js";
import { collectLiveStats } from "./live-stats.js";
import { renderPage, toRow } from "./page.js";

export interface DashboardOptions {
  /** The inbox to show (a `sqliteInbox(file)`, `postgresInbox(pool)`, ...). */
  inbox: WebhookInbox<never> | WebhookInbox<unknown>;
  /** The worker processing it in this process, if any: replays wake it, its counters are shown. */
  worker?: WebhookWorker | undefined;
  /** Extra figures to show under `extra` in /api/stats (e.g. `() => client.stats()`). */
  stats?: () => unknown;
  /** Default "127.0.0.1": the page is for this machine only. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
  /** The token state-changing actions need (default: 24 random bytes, hex). */
  token?: string;
  /** Most events listed (default 200). */
  limit?: number;
  clock?: Clock;
}

export interface Dashboard {
  /** `http://127.0.0.1:PORT/` */
  readonly url: string;
  /** The page URL with the token in its fragment (never sent to the server by the browser). */
  readonly urlWithToken: string;
  readonly token: string;
  close(): Promise<void>;
}

const STATUSES = new Set<InboxStatus>(["pending", "processing", "done", "dead"]);
const digest = (s: string) => createHash("sha256").update(s).digest();

/** The event as the page shows it: headers and JSON fields that look secret are redacted. */
function detail(e: InboxEvent) {
  const text = e.payload.toString("utf8");
  let body: unknown;
  try {
    body = redactFields(JSON.parse(text));
  } catch {
    body = redactText(text);
  }
  return { ...toRow(e), headers: redactHeaders(e.headers), body };
}

async function countsOf(inbox: DashboardOptions["inbox"]): Promise<InboxCounts> {
  if (inbox.counts) return inbox.counts();
  return countEvents(await inbox.list({ limit: 10_000 }));
}

/**
 * Serves a local page over an inbox: events with filters, each event's
 * headers and body (secrets redacted), replay of one event or every dead
 * letter, and live stats polled from JSON endpoints. Binds to 127.0.0.1 by
 * default; replays need the token (header `x-ballast-token`, compared in
 * constant time), and requests must name this host, so another site cannot
 * drive it from a browser.
 */
export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const inbox = options.inbox as WebhookInbox<unknown>;
  if (!inbox || typeof inbox.list !== "function" || typeof inbox.replay !== "function")
    throw new ConfigError("inbox", "must be a webhook inbox (sqliteInbox(path), postgresInbox(pool), memoryInbox())");
  const token = options.token ?? randomBytes(24).toString("hex");
  if (token.length < 16) throw new ConfigError("token", "must be at least 16 characters");
  const expected = digest(token);
  const host = options.host ?? "127.0.0.1";
  const limit = options.limit ?? 200;
  const clock = options.clock ?? systemClock;
  const live = collectLiveStats();
  let allowedHosts = new Set<string>();

  const replay = (id: string) => (options.worker ? options.worker.replay(id) : inbox.replay(id, clock.now()));
  const authorized = (req: IncomingMessage) => {
    const given = req.headers["x-ballast-token"];
    return typeof given === "string" && timingSafeEqual(digest(given), expected);
  };

  async function listEvents(params: URLSearchParams) {
    const status = params.get("status") ?? "";
    const type = params.get("type") ?? "";
    const events = await inbox.list({ ...(STATUSES.has(status as InboxStatus) && { status: status as InboxStatus }), limit: type ? 10_000 : limit });
    // Newest first; the type filter matches a prefix ("invoice." finds every invoice event).
    return events
      .filter((e) => type === "" || (e.type ?? "").startsWith(type))
      .reverse()
      .slice(0, limit)
      .map(toRow);
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const send = (status: number, body: unknown, type = "application/json") => {
      const text = typeof body === "string" ? body : JSON.stringify(body);
      res.writeHead(status, {
        "content-type": type,
        "cache-control": "no-store",
        "x-content-type-options": "nosniff",
        "content-length": Buffer.byteLength(text),
      });
      res.end(text);
    };
    // DNS rebinding: a page elsewhere that resolves its name to 127.0.0.1 still sends its own Host.
    if (!allowedHosts.has(String(req.headers.host))) return send(421, { error: "unknown host" });
    const url = new URL(req.url ?? "/", "http://dashboard");
    const path = url.pathname;
    if (req.method === "GET" && path === "/") {
      const filter = { status: url.searchParams.get("status") ?? "", type: url.searchParams.get("type") ?? "" };
      res.setHeader("content-security-policy", "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'");
      return send(200, renderPage(await listEvents(url.searchParams), filter), "text/html; charset=utf-8");
    }
    if (req.method === "GET" && path === "/api/events") return send(200, { events: await listEvents(url.searchParams) });
    if (req.method === "GET" && path === "/api/stats") {
      const counts = await countsOf(inbox);
      return send(200, {
        inbox: { received: counts.pending + counts.processing + counts.done + counts.dead, ...counts },
        worker: options.worker?.stats(),
        live: live.snapshot(),
        extra: options.stats?.(),
      });
    }
    const one = /^\/api\/events\/([^/]+)(\/replay)?$/.exec(path);
    if (one && req.method === "GET" && !one[2]) {
      const e = await inbox.get(decodeURIComponent(one[1] as string));
      return e ? send(200, detail(e)) : send(404, { error: "no such event" });
    }
    if (req.method === "POST" && (one?.[2] || path === "/api/replay-dead")) {
      if (!authorized(req)) return send(403, { error: "this action needs the token the CLI printed" });
      if (one) {
        const id = decodeURIComponent(one[1] as string);
        return (await replay(id)) ? send(200, { message: `replayed ${id}` }) : send(409, { error: `${id} is not dead or done (or unknown)` });
      }
      let n = 0;
      for (const e of await inbox.list({ status: "dead", limit: 10_000 })) if (await replay(e.id)) n++;
      return send(200, { message: `replayed ${n} dead letter${n === 1 ? "" : "s"}` });
    }
    return send(404, { error: "not found" });
  }

  const server = createServer(slowClientLimits(10_000), (req, res) => {
    route(req, res).catch((error: unknown) => {
      if (res.headersSent) return res.destroy();
      const text = JSON.stringify({ error: error instanceof Error ? error.message : String(error) });
      res.writeHead(500, { "content-type": "application/json" });
      res.end(text);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const shown = host.includes(":") ? `[${host}]` : host;
  allowedHosts = new Set([`${shown}:${port}`, `localhost:${port}`, `127.0.0.1:${port}`]);
  const url = `http://${shown}:${port}/`;
  return {
    url,
    urlWithToken: `${url}#token=${token}`,
    token,
    async close() {
      live.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
