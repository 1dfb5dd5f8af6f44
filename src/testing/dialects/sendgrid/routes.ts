import { randomUUID } from "node:crypto";
import type { ApiSimulator } from "../../simulator.js";
import type { Reply, SimRequest } from "../../types.js";
import { base62Id } from "../ids.js";
import { sendgridError } from "./errors.js";
import { recipients, validateMail } from "./mail.js";
import type { MarketingList, SendgridState } from "./state.js";

function jsonBody(req: SimRequest): { ok: true; value: unknown } | { ok: false; reply: Reply } {
  try {
    return { ok: true, value: req.json() };
  } catch {
    return { ok: false, reply: sendgridError(400, [{ field: null, message: "Bad Request", help: null }]) };
  }
}

function originOf(req: SimRequest, fallback: string): string {
  const host = req.headers.host;
  return typeof host === "string" && host !== "" ? `http://${host}` : fallback;
}

/** `POST /v3/mail/send` (202, `X-Message-Id`), `GET|POST /v3/marketing/lists` (`page_size` / `page_token`, `_metadata.next`). */
export function sendgridRoutes(sim: ApiSimulator, state: SendgridState, now: () => number): void {
  sim.route("POST", "/v3/mail/send", (req) => {
    const parsed = jsonBody(req);
    if (!parsed.ok) return parsed.reply;
    const errors = validateMail(parsed.value);
    if (errors.length > 0) return sendgridError(400, errors);
    const body = parsed.value as Record<string, unknown>;
    const messageId = base62Id("", 22);
    state.mail.push({ messageId, body, recipients: recipients(body), receivedAt: now() });
    return { status: 202, headers: { "x-message-id": messageId } };
  });

  sim.route("POST", "/v3/marketing/lists", (req) => {
    const parsed = jsonBody(req);
    if (!parsed.ok) return parsed.reply;
    const name = (parsed.value as { name?: unknown } | undefined)?.name;
    if (typeof name !== "string" || name === "") return sendgridError(400, [{ field: "name", message: "name is required" }]);
    if (state.lists.some((l) => l.name === name))
      return sendgridError(400, [{ field: "name", message: "This list name is already in use. Please choose a new, unique name." }]);
    const id = randomUUID();
    const list: MarketingList = { id, name, contact_count: 0, _metadata: { self: `${originOf(req, sim.url)}/v3/marketing/lists/${id}` } };
    state.lists.push(list);
    return { status: 201, json: list };
  });

  sim.route("GET", "/v3/marketing/lists", (req) => {
    const size = Number(req.searchParams.get("page_size") ?? 100);
    if (!Number.isInteger(size) || size < 1 || size > 1000)
      return sendgridError(400, [{ field: "page_size", message: "page_size should be between 1 and 1000" }]);
    const token = req.searchParams.get("page_token");
    let start = 0;
    if (token !== null && token !== "") {
      const m = /^i:(\d+)$/.exec(Buffer.from(token, "base64url").toString("utf8"));
      if (!m) return sendgridError(400, [{ field: "page_token", message: "invalid page token" }]);
      start = Number(m[1]);
    }
    const end = Math.min(start + size, state.lists.length);
    const base = `${originOf(req, sim.url)}/v3/marketing/lists`;
    const metadata: Record<string, unknown> = { self: `${base}?${req.searchParams.toString()}`, count: state.lists.length };
    if (end < state.lists.length) metadata.next = `${base}?page_size=${size}&page_token=${Buffer.from(`i:${end}`).toString("base64url")}`;
    return { json: { result: state.lists.slice(start, end), _metadata: metadata } };
  });

  sim.route("GET", "/v3/marketing/lists/:id", (req) => {
    const list = state.lists.find((l) => l.id === req.params.id);
    return list ? { json: list } : sendgridError(404, [{ field: null, message: "resource not found" }]);
  });
}
