import { describe, expect, it, onTestFinished } from "vitest";
import { isConfigError, isHttpError } from "../../src/index.js";
import { slack } from "../../src/providers/index.js";
import { createApiSimulator, createFakeClock } from "../../src/testing/index.js";
import { createWebhookReceiver, memoryInbox } from "../../src/webhooks/index.js";
import { failureOf } from "../support/failure.js";
import { startServer } from "../support/http-server.js";
import { useSimulator } from "../support/simulator.js";
import { waitFor } from "../support/wait.js";
import { httpFailure } from "./support.js";

const TOKEN = "xoxb-1111-2222-abcdefghijklmnop";

describe("slack() against the Slack dialect", () => {
  const env = useSimulator({ provider: "slack" });

  it("reads SLACK_BOT_TOKEN and posts a message", async () => {
    const client = slack({ baseUrl: env.sim.url, env: { SLACK_BOT_TOKEN: TOKEN } });
    onTestFinished(() => client.close());
    const res = await client.post<{ ok: boolean; ts: string; channel: string }>("/api/chat.postMessage", { json: { channel: "#general", text: "hello" } });
    expect(res.ok).toBe(true);
    expect(env.sim.messages("general").map((m) => m.text)).toEqual(["hello"]);
    expect(env.sim.requests.at(-1)?.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it("a missing token is a ConfigError naming SLACK_BOT_TOKEN", () => {
    let error: unknown;
    try {
      slack({ env: {} });
    } catch (e) {
      error = e;
    }
    expect(isConfigError(error)).toBe(true);
    expect((error as Error).message).toContain("SLACK_BOT_TOKEN");
  });

  it("ok: false inside a 200 is an HttpError with apiCode = Slack's error string, and the token is not in it", async () => {
    const bad = slack({ baseUrl: env.sim.url, token: "xoxq-not-a-real-kind" });
    const error = await httpFailure(bad.post("/api/auth.test"));
    expect(isHttpError(error)).toBe(true);
    expect(error.status).toBe(200);
    expect(error.apiCode).toBe("invalid_auth");
    expect(error.message).toContain("invalid_auth");
    expect(error.body).toEqual({ ok: false, error: "invalid_auth" });
    expect(error.requestId).toMatch(/^[0-9a-f]{32}$/);
    expect(JSON.stringify(error)).not.toContain("xoxq-not-a-real-kind");
    await bad.close();

    const client = slack({ baseUrl: env.sim.url, token: TOKEN });
    onTestFinished(() => client.close());
    const missing = await httpFailure(client.post("/api/chat.postMessage", { json: { channel: "C0NOPE", text: "x" } }));
    expect(missing.apiCode).toBe("channel_not_found");
    env.sim.revoke(TOKEN);
    expect(((await failureOf(client.post("/api/auth.test"))) as { apiCode?: string }).apiCode).toBe("token_revoked");
  });

  it("paginates conversations.list by next_cursor to the last channel", async () => {
    const client = slack({ baseUrl: env.sim.url, token: TOKEN, tiers: false });
    onTestFinished(() => client.close());
    for (let i = 0; i < 4; i++) env.sim.addChannel(`project-${i}`);
    const names: string[] = [];
    for await (const channel of client.paginate<{ name: string }>("/api/conversations.list", { query: { limit: 3 } })) names.push(channel.name);
    expect(names).toEqual(env.sim.channels.map((c) => c.name));
    expect(names).toHaveLength(9);
    expect(env.sim.requests.map((r) => r.query.cursor ?? "")).toEqual(["", expect.any(String), expect.any(String)]);
  });

  it("a ratelimited 429 + Retry-After on a read is waited out and retried", async () => {
    const client = slack({ baseUrl: env.sim.url, token: TOKEN, retry: { backoff: { base: 1, cap: 5 } } });
    onTestFinished(() => client.close());
    env.sim.ratelimit({ method: "conversations.list", retryAfter: 1 });
    const res = await client.get<{ channels: unknown[] }>("/api/conversations.list");
    expect(res.channels.length).toBeGreaterThan(0);
    expect(env.sim.requests).toHaveLength(2);
  });

  it("a ratelimited 429 on chat.postMessage (a write) is sent again after Retry-After: the message is posted once", async () => {
    const client = slack({ baseUrl: env.sim.url, token: TOKEN });
    onTestFinished(() => client.close());
    env.sim.ratelimit({ method: "chat.postMessage", retryAfter: 1 });
    await client.post("/api/chat.postMessage", { json: { channel: "random", text: "once" } });
    expect(env.sim.requests).toHaveLength(2);
    expect(env.sim.messages("random").map((m) => m.text)).toEqual(["once"]);
  });

  it("a 429 pauses that method only (its own tier quota); other methods go on", async () => {
    const clock = createFakeClock();
    const client = slack({ baseUrl: env.sim.url, token: TOKEN, clock, retry: false, timeout: false });
    onTestFinished(() => client.close());
    env.sim.ratelimit({ method: "conversations.list", retryAfter: 30 });
    const limited = await httpFailure(client.get("/api/conversations.list"));
    expect(limited.status).toBe(429);
    expect(limited.apiCode).toBe("ratelimited");
    // auth.test is another method: not paused.
    await client.post("/api/auth.test");
    expect(env.sim.requests.map((r) => r.path)).toEqual(["/api/conversations.list", "/api/auth.test"]);
    // conversations.list waits for the 30 s the server asked for.
    const waiting = client.get("/api/conversations.list");
    await clock.waitForPending();
    expect(env.sim.requests).toHaveLength(2);
    await clock.advance(30_000);
    await waiting;
    expect(env.sim.requests.map((r) => r.path)).toEqual(["/api/conversations.list", "/api/auth.test", "/api/conversations.list"]);
  });

  it("the client spaces a method by its tier, so the dialect's tier windows never refuse it", async () => {
    const tiered = await createApiSimulator({ provider: "slack", tiers: true });
    const clock = createFakeClock();
    try {
      const client = slack({ baseUrl: tiered.url, token: TOKEN, clock, timeout: false });
      // conversations.list is tier 2: 20 a minute, one every 3 s.
      const calls = Array.from({ length: 4 }, () => client.get("/api/conversations.list"));
      for (let sent = 1; sent <= 4; sent++) {
        await waitFor(() => tiered.requests.length >= sent, { what: `request ${sent} to arrive` });
        if (sent < 4) await clock.waitForPending();
        expect(tiered.requests.length).toBe(sent);
        if (sent < 4) await clock.advance(3000);
      }
      await Promise.all(calls);
      expect(tiered.rejected).toBe(0);
      await client.close();
    } finally {
      await tiered.close();
    }
  });

  it("the receiver answers url_verification with the challenge and stores signed events once", async () => {
    const inbox = memoryInbox();
    const receiver = createWebhookReceiver({ scheme: "slack", secret: "slack-signing-secret", inbox });
    const server = await startServer(receiver.node);
    try {
      const url = `${server.origin}/slack/events`;
      const handshake = await env.sim.deliverWebhook({
        url,
        signingSecret: "slack-signing-secret",
        type: "url_verification",
        challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
      });
      expect(handshake.status).toBe(200);
      expect(JSON.parse(handshake.body)).toEqual({ challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" });
      const event = await env.sim.deliverWebhook({ url, signingSecret: "slack-signing-secret", eventId: "Ev0001" });
      expect(event.status).toBeLessThan(300);
      await env.sim.deliverWebhook({ url, signingSecret: "slack-signing-secret", eventId: "Ev0001" });
      const stored = await inbox.list({});
      expect(stored.map((e) => e.id)).toEqual(["Ev0001"]);
      expect((await env.sim.deliverWebhook({ url, signingSecret: "slack-signing-secret", tamper: true })).status).toBe(401);
      const stale = await env.sim.deliverWebhook({ url, signingSecret: "slack-signing-secret", timestamp: Date.now() - 10 * 60_000 });
      expect(stale.status).toBe(401);
    } finally {
      await server.close();
      await receiver.close?.();
    }
  });
});
