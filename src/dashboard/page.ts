import type { InboxEvent } from "../webhooks/inbox/types.js";

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** One row of the events table, as the JSON API and the first render both give it. */
export interface EventRow {
  id: string;
  type: string;
  scheme: string;
  status: InboxEvent["status"];
  attempts: number;
  receivedAt: string;
  lastError: string;
}

export function toRow(e: InboxEvent): EventRow {
  return {
    id: e.id,
    type: e.type ?? "",
    scheme: e.scheme,
    status: e.status,
    attempts: e.attempts,
    receivedAt: new Date(e.receivedAt).toISOString(),
    lastError: e.lastError ?? "",
  };
}

function rowHtml(r: EventRow): string {
  const replay = r.status === "dead" || r.status === "done" ? `<button class="replay" data-id="${escapeHtml(r.id)}">Replay</button>` : "";
  return `<tr data-id="${escapeHtml(r.id)}" data-status="${r.status}"><td class="id">${escapeHtml(r.id)}</td><td>${escapeHtml(r.type)}</td><td><span class="status ${r.status}">${r.status}</span></td><td>${r.attempts}</td><td>${escapeHtml(r.receivedAt)}</td><td class="err">${escapeHtml(r.lastError)}</td><td>${replay}</td></tr>`;
}

const STATUSES = ["", "pending", "processing", "done", "dead"] as const;

/** The whole page: server-rendered first view, then a small script that polls the JSON endpoints. */
export function renderPage(rows: EventRow[], filter: { status: string; type: string }): string {
  const options = STATUSES.map((s) => `<option value="${s}"${s === filter.status ? " selected" : ""}>${s === "" ? "all" : s}</option>`).join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ballast — webhook inbox</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{background:#1d2330;color:#fff;padding:10px 20px;display:flex;gap:16px;align-items:center}
header h1{font-size:16px;margin:0}
main{padding:16px 20px;display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:16px}
section{background:#fff;border:1px solid #dde1e7;border-radius:6px;padding:12px}
#stats{grid-column:1/3;display:flex;flex-wrap:wrap;gap:10px}
.stat{min-width:110px;padding:6px 10px;border-right:1px solid #eee}
.stat b{display:block;font-size:20px}
table{width:100%;border-collapse:collapse}
td,th{text-align:left;padding:5px 6px;border-bottom:1px solid #eee;vertical-align:top}
tr:hover{background:#f0f4ff;cursor:pointer}
td.id{font-family:ui-monospace,monospace;font-size:12px}
td.err{color:#a33;font-size:12px;max-width:220px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.status{padding:1px 6px;border-radius:8px;font-size:12px;background:#eee}
.status.done{background:#d8f3dc}.status.dead{background:#ffd6d6}.status.pending{background:#fff3bf}.status.processing{background:#d0ebff}
pre{background:#f6f7f9;padding:8px;overflow:auto;max-height:360px;font-size:12px}
form{display:flex;gap:8px;margin-bottom:8px;align-items:center}
#message{color:#555;margin-left:auto}
</style></head>
<body>
<header><h1>ballast · webhook inbox</h1>
<label>token <input id="token" type="password" size="20" placeholder="from the CLI output"></label>
<button id="replay-dead">Replay all dead letters</button><span id="message"></span></header>
<main>
<section id="stats" aria-label="stats"></section>
<section><form id="filters"><label>status <select name="status">${options}</select></label>
<label>type <input name="type" value="${escapeHtml(filter.type)}" placeholder="invoice.paid"></label><button>Filter</button></form>
<table><thead><tr><th>id</th><th>type</th><th>status</th><th>tries</th><th>received</th><th>last error</th><th></th></tr></thead>
<tbody id="events">${rows.map(rowHtml).join("")}</tbody></table></section>
<section id="detail"><p>Select an event to see its headers and body (secrets redacted).</p></section>
</main>
<script>
const $ = (s) => document.querySelector(s);
const tokenInput = $("#token");
const fromHash = new URLSearchParams(location.hash.slice(1)).get("token");
if (fromHash) sessionStorage.setItem("ballast-token", fromHash);
tokenInput.value = sessionStorage.getItem("ballast-token") || "";
tokenInput.addEventListener("change", () => sessionStorage.setItem("ballast-token", tokenInput.value));
const say = (text) => { $("#message").textContent = text; };
function cell(tr, text, cls) { const td = document.createElement("td"); if (cls) td.className = cls; td.textContent = text; tr.appendChild(td); return td; }
function renderRows(rows) {
  const body = document.createElement("tbody"); body.id = "events";
  for (const r of rows) {
    const tr = document.createElement("tr"); tr.dataset.id = r.id; tr.dataset.status = r.status;
    cell(tr, r.id, "id"); cell(tr, r.type);
    const st = cell(tr, ""); const span = document.createElement("span"); span.className = "status " + r.status; span.textContent = r.status; st.appendChild(span);
    cell(tr, String(r.attempts)); cell(tr, r.receivedAt); cell(tr, r.lastError, "err");
    const act = cell(tr, "");
    if (r.status === "dead" || r.status === "done") { const b = document.createElement("button"); b.className = "replay"; b.dataset.id = r.id; b.textContent = "Replay"; act.appendChild(b); }
    body.appendChild(tr);
  }
  $("#events").replaceWith(body);
}
function renderStats(s) {
  const items = [["received", s.inbox.received], ["pending", s.inbox.pending], ["processing", s.inbox.processing], ["processed", s.inbox.done], ["failing", s.inbox.failing], ["dead", s.inbox.dead],
    ["calls", s.live.calls], ["error rate", (s.live.errorRate * 100).toFixed(1) + "%"], ["call p95", Math.round(s.live.latency.p95) + " ms"], ["API p95", Math.round(s.live.api.p95) + " ms"], ["queued p95", Math.round(s.live.queue.p95) + " ms"], ["retries", s.live.retries], ["rate-limit waits", s.live.rateLimitWaits],
    ["worker", s.worker ? (s.worker.running ? "running" : "stopped") : "none"]];
  const box = $("#stats"); box.textContent = "";
  for (const [k, v] of items) { const d = document.createElement("div"); d.className = "stat"; d.dataset.stat = k; const b = document.createElement("b"); b.textContent = String(v); d.appendChild(b); d.appendChild(document.createTextNode(k)); box.appendChild(d); }
}
function query() { const f = new FormData($("#filters")); return new URLSearchParams({ status: f.get("status") || "", type: f.get("type") || "" }).toString(); }
async function refresh() {
  try {
    const [events, stats] = await Promise.all([fetch("/api/events?" + query()).then((r) => r.json()), fetch("/api/stats").then((r) => r.json())]);
    renderRows(events.events); renderStats(stats);
  } catch (e) { say("refresh failed: " + e.message); }
}
async function act(path) {
  const res = await fetch(path, { method: "POST", headers: { "x-ballast-token": tokenInput.value } });
  const body = await res.json();
  say(res.ok ? body.message : (body.error || "failed"));
  refresh();
}
async function show(id) {
  const res = await fetch("/api/events/" + encodeURIComponent(id));
  const e = await res.json();
  const box = $("#detail"); box.textContent = "";
  const h = document.createElement("h3"); h.textContent = e.id + " · " + e.type + " · " + e.status; box.appendChild(h);
  for (const [title, value] of [["headers", JSON.stringify(e.headers, null, 2)], ["body", typeof e.body === "string" ? e.body : JSON.stringify(e.body, null, 2)]]) {
    const t = document.createElement("h4"); t.textContent = title; box.appendChild(t);
    const pre = document.createElement("pre"); pre.className = title; pre.textContent = value; box.appendChild(pre);
  }
}
document.addEventListener("click", (ev) => {
  const t = ev.target;
  if (t.matches("button.replay")) { ev.stopPropagation(); act("/api/events/" + encodeURIComponent(t.dataset.id) + "/replay"); return; }
  if (t.id === "replay-dead") { act("/api/replay-dead"); return; }
  const tr = t.closest("tr[data-id]"); if (tr) show(tr.dataset.id);
});
$("#filters").addEventListener("submit", (ev) => { ev.preventDefault(); history.replaceState(null, "", "?" + query() + location.hash); refresh(); });
refresh(); setInterval(refresh, 1000);
</script></body></html>`;
}
