import type { ApiSimulator } from "../../simulator.js";
import type { Reply, SimRequest } from "../../types.js";
import { listOf, parseNestedForm } from "../form.js";
import { hexSid } from "../ids.js";
import { twilioError } from "./errors.js";
import { type Message, rfc2822, type TwilioState } from "./state.js";

const BASE = "/2010-04-01/Accounts/:AccountSid";
const PHONE = /^\+[1-9]\d{6,14}$/;

/** Twilio's magic test numbers that fail, as its test credentials answer them. */
const BAD_TO: Record<string, [number, string]> = {
  "+15005550001": [21211, "The 'To' number +15005550001 is not a valid phone number."],
  "+15005550002": [21612, "The 'To' phone number: +15005550002, is not currently reachable using the 'From' phone number via SMS."],
  "+15005550003": [21408, "Permission to send an SMS has not been enabled for the region indicated by the 'To' number: +15005550003."],
  "+15005550004": [21610, "Attempt to send to unsubscribed recipient"],
  "+15005550009": [21614, "'To' number is not a valid mobile number"],
};

function address(value: string): boolean {
  return PHONE.test(value) || /^(whatsapp|messenger):.+/.test(value);
}

function first(value: unknown): string | undefined {
  return typeof value === "string" ? value : Array.isArray(value) && typeof value[0] === "string" ? value[0] : undefined;
}

/** Answers a Twilio list: newest first, `PageSize` (1-1000, default 50), `Page` and `PageToken` (`PA<sid of the last item before>`). */
function listPage(all: Message[], req: SimRequest, path: string): Reply {
  const q = req.searchParams;
  const pageSize = Number(q.get("PageSize") ?? 50);
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) return twilioError(400, 20001, "PageSize must be between 1 and 1000");
  const page = Number(q.get("Page") ?? 0);
  if (!Number.isInteger(page) || page < 0) return twilioError(400, 20001, "Page must be a non-negative integer");
  const token = q.get("PageToken");
  let start = 0;
  if (token) {
    const i = all.findIndex((m) => `PA${m.sid}` === token);
    if (i === -1) return twilioError(400, 20001, "Invalid PageToken");
    start = i + 1;
  } else start = page * pageSize;
  const items = all.slice(start, start + pageSize);
  const filters = new URLSearchParams();
  for (const name of ["To", "From"]) {
    const v = q.get(name);
    if (v !== null) filters.set(name, v);
  }
  const uri = (p: number, extra: Record<string, string> = {}) => {
    const params = new URLSearchParams(filters);
    params.set("PageSize", String(pageSize));
    params.set("Page", String(p));
    for (const [k, v] of Object.entries(extra)) params.set(k, v);
    return `${path}?${params.toString()}`;
  };
  const last = items.at(-1);
  const hasNext = start + pageSize < all.length && last !== undefined;
  return {
    json: {
      messages: items,
      end: start + items.length - 1,
      first_page_uri: uri(0),
      next_page_uri: hasNext ? uri(page + 1, { PageToken: `PA${last.sid}` }) : null,
      page,
      page_size: pageSize,
      previous_page_uri: page > 0 ? uri(page - 1) : null,
      start,
      uri: req.url,
    },
  };
}

/** `/2010-04-01/Accounts/:AccountSid/Messages.json` (create, list) and `/Messages/:Sid.json` (fetch, delete). */
export function twilioRoutes(sim: ApiSimulator, state: TwilioState): void {
  sim.route("POST", `${BASE}/Messages.json`, (req) => {
    const account = req.params.AccountSid!;
    const form = parseNestedForm(req.text());
    const to = first(form.To);
    const from = first(form.From);
    const service = first(form.MessagingServiceSid);
    const body = first(form.Body) ?? "";
    const mediaUrls = listOf(form.MediaUrl).filter((v): v is string => typeof v === "string");
    if (to === undefined || to === "") return twilioError(400, 21604, "A 'To' phone number is required.");
    if (!address(to)) return twilioError(400, 21211, `The 'To' number ${to} is not a valid phone number.`);
    const bad = BAD_TO[to];
    if (bad) return twilioError(400, bad[0], bad[1]);
    if ((from === undefined || from === "") && service === undefined) return twilioError(400, 21603, "A 'From' phone number is required.");
    if (from !== undefined && !address(from) && !/^[A-Za-z0-9 ]{1,11}$/.test(from))
      return twilioError(400, 21212, `The 'From' number ${from} is not a valid phone number, shortcode, or alphanumeric sender ID.`);
    if (body === "" && mediaUrls.length === 0 && first(form.ContentSid) === undefined) return twilioError(400, 21602, "Message body is required.");
    if (body.length > 1600) return twilioError(400, 21617, "The concatenated message body exceeds the 1600 character limit.");
    const sid = hexSid(mediaUrls.length > 0 ? "MM" : "SM");
    const now = rfc2822(state.now());
    const uri = `/2010-04-01/Accounts/${account}/Messages/${sid}.json`;
    const message: Message = {
      sid,
      account_sid: account,
      api_version: "2010-04-01",
      body,
      date_created: now,
      date_updated: now,
      date_sent: null,
      direction: "outbound-api",
      error_code: null,
      error_message: null,
      from: from ?? null,
      messaging_service_sid: service ?? null,
      num_media: String(mediaUrls.length),
      num_segments: String(Math.max(1, Math.ceil(body.length / 153))),
      price: null,
      price_unit: "USD",
      status: service === undefined ? "queued" : "accepted",
      subresource_uris: { media: uri.replace(".json", "/Media.json"), feedback: uri.replace(".json", "/Feedback.json") },
      to,
      uri,
    };
    state.messages.set(sid, { resource: message, mediaUrls, statusCallback: first(form.StatusCallback) });
    return { status: 201, json: message };
  });

  sim.route("GET", `${BASE}/Messages.json`, (req) => {
    const q = req.searchParams;
    const to = q.get("To");
    const from = q.get("From");
    const all = state
      .ofAccount(req.params.AccountSid!)
      .map((m) => m.resource)
      .filter((m) => (to === null || m.to === to) && (from === null || m.from === from))
      .reverse();
    return listPage(all, req, req.path);
  });

  const notFound = (req: SimRequest) => twilioError(404, 20404, `The requested resource ${req.path} was not found`);
  const find = (req: SimRequest) => {
    const stored = state.messages.get(req.params.Sid!);
    return stored && stored.resource.account_sid === req.params.AccountSid ? stored : undefined;
  };
  sim.route("GET", `${BASE}/Messages/:Sid.json`, (req) => {
    const stored = find(req);
    return stored ? { json: stored.resource } : notFound(req);
  });
  sim.route("DELETE", `${BASE}/Messages/:Sid.json`, (req) => {
    const stored = find(req);
    if (!stored) return notFound(req);
    state.messages.delete(stored.resource.sid);
    return { status: 204 };
  });
}
