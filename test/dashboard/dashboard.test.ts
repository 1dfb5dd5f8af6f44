import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../../src/client/create-client.js";
import type { RouteStats } from "../../src/client/stats.js";
import { type Dashboard, type LiveStats, startDashboard } from "../../src/dashboard/index.js";
import { createWebhookReceiver, signWebhook, sqliteInbox, type WebhookReceiver } from "../../src/webhooks/index.js";
import { startServer } from "../support/http-server.js";
import { waitFor } from "../support/wait.js";

const SECRET = "whsec_dGVzdC1zZWNyZXQtdGVzdC1zZWNyZXQ=";
const CHROMIUM = "/usr/bin/chromium";
const dir = mkdtempSync(join(tmpdir(), "ballast-dashboard-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A receiver on a SQLite inbox whose `invoice.broken` handler fails until `fixed` is set. */
function rig(name: string) {
  const state = { fixed: false, handled: [] as string[] };
  const inbox = sqliteInbox(join(dir, `${name}.db`));
  const receiver: WebhookReceiver = createWebhookReceiver({
    scheme: "stripe",
    secret: SECRET,
    inbox,
    worker: { maxAttempts: 1, pollInterval: "50ms" },
    onError: () => {},
    handlers: {
      "invoice.paid": (_e, ctx) => void state.handled.push(ctx.id),
      "invoice.broken": (_e, ctx) => {
        if (!state.fixed) throw new Error("ledger unavailable");
        state.handled.push(ctx.id);
      },
    },
  });
  const deliver = async (id: string, type: string, extra: Record<string, unknown> = {}) => {
    const body = JSON.stringify({ id, object: "event", type, data: { object: { id: "in_1", ...extra } } });
    const headers = signWebhook({ scheme: "stripe", payload: body, secret: SECRET });
    const res = await receiver.fetch(
      new Request("http://localhost/webhooks", { method: "POST", body, headers: { ...headers, "content-type": "application/json" } }),
    );
    expect(res.status).toBe(200);
  };
  return { state, inbox, receiver, deliver };
}

/** Waits until `check` stops throwing (bounded; fails loudly with its last error). */
const eventually = <T>(check: () => T | Promise<T>) =>
  waitFor(
    async () => {
      await check();
      return true;
    },
    { timeout: 10_000 },
  );

let dashboard: Dashboard | undefined;
let receiver: WebhookReceiver | undefined;
afterEach(async () => {
  await dashboard?.close();
  await receiver?.close();
  dashboard = undefined;
  receiver = undefined;
});

describe("startDashboard: the JSON API", () => {
  it("lists events newest first with filters, shows one event with secrets redacted, and reports stats", async () => {
    const r = rig("api");
    receiver = r.receiver;
    await r.deliver("evt_1", "invoice.paid", { api_key: "sk_live_SECRET" });
    await r.deliver("evt_2", "customer.created");
    dashboard = await startDashboard({ inbox: r.inbox, worker: r.receiver.worker });
    expect(dashboard.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    await eventually(async () => {
      const body = (await (await fetch(`${dashboard?.url}api/events`)).json()) as { events: Array<{ id: string; status: string }> };
      expect(body.events.map((e) => [e.id, e.status])).toEqual([
        ["evt_2", "done"],
        ["evt_1", "done"],
      ]);
    });
    const filtered = (await (await fetch(`${dashboard.url}api/events?type=invoice.&status=done`)).json()) as { events: Array<{ id: string }> };
    expect(filtered.events.map((e) => e.id)).toEqual(["evt_1"]);
    const one = (await (await fetch(`${dashboard.url}api/events/evt_1`)).json()) as { headers: Record<string, string>; body: { data: { object: unknown } } };
    expect(one.headers["stripe-signature"]).toBe("[REDACTED]");
    expect(one.body.data.object).toEqual({ id: "in_1", api_key: "[REDACTED]" });
    const stats = (await (await fetch(`${dashboard.url}api/stats`)).json()) as { inbox: Record<string, number>; worker: { succeeded: number } };
    expect(stats.inbox).toMatchObject({ received: 2, done: 2, dead: 0 });
    expect(stats.worker.succeeded).toBe(2);
  });

  it("refuses replays without the token (and with a wrong one), and requests naming another host", async () => {
    const r = rig("auth");
    receiver = r.receiver;
    await r.deliver("evt_x", "invoice.broken");
    await eventually(async () => expect((await r.inbox.get("evt_x"))?.status).toBe("dead"));
    dashboard = await startDashboard({ inbox: r.inbox, worker: r.receiver.worker });
    const post = (headers: Record<string, string>) => fetch(`${dashboard?.url}api/replay-dead`, { method: "POST", headers });
    expect((await post({})).status).toBe(403);
    expect((await post({ "x-ballast-token": `${dashboard.token}x` })).status).toBe(403);
    expect((await r.inbox.get("evt_x"))?.status).toBe("dead");
    // DNS rebinding: the Host a foreign page would send.
    const { port } = new URL(dashboard.url);
    const rebound = await new Promise<number>((resolve, reject) => {
      import("node:http").then(({ request }) => {
        const req = request({ host: "127.0.0.1", port, path: "/api/stats", headers: { host: `evil.example:${port}` } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on("error", reject);
        req.end();
      });
    });
    expect(rebound).toBe(421);
    r.state.fixed = true;
    const ok = await post({ "x-ballast-token": dashboard.token });
    expect(await ok.json()).toEqual({ message: "replayed 1 dead letter" });
    await eventually(async () => expect((await r.inbox.get("evt_x"))?.status).toBe("done"));
  });
});

describe("startDashboard: the process's calls", () => {
  it("reports the API's latency apart from the time calls queued on this side", async () => {
    const r = rig("calls");
    receiver = r.receiver;
    dashboard = await startDashboard({ inbox: r.inbox });
    // The API answers after 30 ms; four calls at once against a client limit of 10/s leave about 100 ms apart.
    const api = await startServer((_req, res) => void setTimeout(() => res.writeHead(200, { "content-type": "application/json" }).end("{}"), 30));
    const client = createClient({ baseUrl: api.url, retry: false, rateLimit: { limits: [{ requests: 10, per: "1s" }] } });
    let route: RouteStats | undefined;
    try {
      await Promise.all(Array.from({ length: 4 }, () => client.get("/items")));
      route = client.stats().routes["GET /items"];
    } finally {
      await client.close();
      await api.close();
    }
    const stats = (await (await fetch(`${dashboard.url}api/stats`)).json()) as { live: LiveStats };
    expect(stats.live.calls).toBe(4);
    // The same figures as the client's own stats: the rate-limit waits are queue time...
    expect(stats.live.queue.rateLimitMs).toBe(route?.queue.rateLimitMs);
    expect(stats.live.queue.concurrencyMs).toBe(0);
    expect(stats.live.queue.p95).toBe(route?.queue.max);
    // (the last of the four waited about 300 ms)
    expect(stats.live.queue.p95).toBeGreaterThanOrEqual(150);
    // ...and the API's own 30 ms is not.
    expect(stats.live.api.p50).toBeGreaterThanOrEqual(29);
    expect(stats.live.api.p50).toBe(route?.api.complete.p50);
    // A whole call holds both.
    expect(stats.live.latency.p95).toBeGreaterThanOrEqual(stats.live.queue.p95 + 29);
  });
});

const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  if (process.env.CI === "true") throw new Error(`${CHROMIUM} is missing; under CI=true this is a failure (.ci/run installs chromium)`);
  console.warn(`\n!!! SKIPPING THE DASHBOARD BROWSER TEST: ${CHROMIUM} is not installed (apt-get install chromium). !!!\n`);
}

describe.skipIf(!haveChromium)("the dashboard in a real browser (Chromium, headless)", () => {
  let browser: BrowserContext;
  const profile = mkdtempSync(join(tmpdir(), "ballast-chromium-"));
  beforeAll(async () => {
    // A fresh profile directory per run.
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    rmSync(profile, { recursive: true, force: true });
  });

  it("shows an event just delivered, its redacted body, and replays a dead letter until it is processed", async () => {
    const r = rig("browser");
    receiver = r.receiver;
    dashboard = await startDashboard({ inbox: r.inbox, worker: r.receiver.worker });
    const page = await browser.newPage();
    try {
      await page.goto(dashboard.urlWithToken);
      await expect.poll(() => page.locator("#events tr").count()).toBe(0);

      // Delivered after the page loaded: the page picks it up without a reload.
      await r.deliver("evt_paid", "invoice.paid", { card_number: "4242424242424242", customer_token: "tok_SECRET" });
      const paid = page.locator('#events tr[data-id="evt_paid"]');
      await paid.waitFor({ timeout: 10_000 });
      await expect.poll(() => paid.getAttribute("data-status"), { timeout: 10_000 }).toBe("done");
      await paid.click();
      await page.locator("#detail pre.body").waitFor();
      const body = await page.locator("#detail pre.body").textContent();
      expect(body).toContain('"customer_token": "[REDACTED]"');
      expect(body).not.toContain("tok_SECRET");
      expect(await page.locator("#detail pre.headers").textContent()).toContain('"stripe-signature": "[REDACTED]"');

      // A handler that fails sends the event to dead letters; the page shows it.
      await r.deliver("evt_broken", "invoice.broken");
      const broken = page.locator('#events tr[data-id="evt_broken"]');
      await expect.poll(() => broken.getAttribute("data-status"), { timeout: 10_000 }).toBe("dead");
      await expect.poll(() => page.locator('[data-stat="dead"] b').textContent(), { timeout: 10_000 }).toBe("1");
      await expect.poll(() => broken.locator("td.err").textContent()).toContain("ledger unavailable");

      // Fix the cause, replay from the page (the token came from the URL fragment), and see it processed.
      r.state.fixed = true;
      await broken.locator("button.replay").click();
      await expect.poll(() => page.locator("#message").textContent(), { timeout: 10_000 }).toBe("replayed evt_broken");
      await expect.poll(() => broken.getAttribute("data-status"), { timeout: 10_000 }).toBe("done");
      await expect.poll(() => page.locator('[data-stat="dead"] b').textContent(), { timeout: 10_000 }).toBe("0");
      expect(r.state.handled).toEqual(["evt_paid", "evt_broken"]);
      expect(await page.locator('[data-stat="processed"] b').textContent()).toBe("2");
      for (const stat of ["call p95", "API p95", "queued p95"]) expect(await page.locator(`[data-stat="${stat}"] b`).textContent()).toMatch(/^\d+ ms$/);

      mkdirSync(".test-results", { recursive: true });
      await page.screenshot({ path: join(".test-results", "dashboard.png"), fullPage: true });
    } finally {
      await page.close();
    }
  }, 60_000);

  it("a replay without the token is refused on the page", async () => {
    const r = rig("browser-token");
    receiver = r.receiver;
    await r.deliver("evt_dead", "invoice.broken");
    await eventually(async () => expect((await r.inbox.get("evt_dead"))?.status).toBe("dead"));
    dashboard = await startDashboard({ inbox: r.inbox, worker: r.receiver.worker });
    const page = await browser.newPage();
    try {
      await page.goto(dashboard.url); // no #token=
      await page.locator("#replay-dead").click();
      await expect.poll(() => page.locator("#message").textContent(), { timeout: 10_000 }).toBe("this action needs the token the CLI printed");
      expect((await r.inbox.get("evt_dead"))?.status).toBe("dead");
    } finally {
      await page.close();
    }
  }, 60_000);
});
