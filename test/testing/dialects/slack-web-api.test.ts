import { ErrorCode, type WebAPIPlatformError, WebClient } from "@slack/web-api";
import { beforeAll, describe, expect, it } from "vitest";
import { useSimulator } from "../../support/simulator.js";

const TOKEN = "xoxb-1234-5678-abcdefghijklmnop";

// Fidelity: the official SDK, unchanged but for its API URL, runs its normal calls against the dialect.
describe("@slack/web-api against the Slack dialect", () => {
  const env = useSimulator({ provider: "slack", keep: "all" });
  let web: WebClient;

  beforeAll(() => {
    web = new WebClient(TOKEN, { slackApiUrl: `${env.sim.url}/api/` });
  });

  it("auth.test names the bot and team", async () => {
    const res = await web.auth.test();
    expect(res).toMatchObject({ ok: true, team_id: "T0BALLAST", user_id: "U0BALLASTBOT", bot_id: "B0BALLAST" });
  });

  it("chat.postMessage posts to a channel by name and returns its ts", async () => {
    const res = await web.chat.postMessage({ channel: "#engineering", text: "Deploy finished" });
    expect(res.ok).toBe(true);
    expect(res.ts).toMatch(/^\d+\.\d{6}$/);
    expect(env.sim.messages("engineering").map((m) => m.text)).toEqual(["Deploy finished"]);
    expect(env.sim.requests.at(-1)?.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it("paginate('conversations.list') follows next_cursor to every channel", async () => {
    for (let i = 0; i < 6; i++) env.sim.addChannel(`team-${i}`);
    const names: string[] = [];
    for await (const page of web.paginate("conversations.list", { limit: 4 })) {
      for (const c of (page as unknown as { channels: Array<{ name: string }> }).channels) names.push(c.name);
    }
    expect(names).toEqual(env.sim.channels.map((c) => c.name));
    expect(names).toHaveLength(11);
    expect(env.sim.requests.filter((r) => r.path === "/api/conversations.list")).toHaveLength(3);
  });

  it("a wrong token is a platform error invalid_auth (HTTP 200, ok: false)", async () => {
    const bad = new WebClient("not-a-slack-token", { slackApiUrl: `${env.sim.url}/api/`, retryConfig: { retries: 0 } });
    const failure = (await bad.auth.test().catch((e: unknown) => e)) as WebAPIPlatformError;
    expect(failure.code).toBe(ErrorCode.PlatformError);
    expect(failure.data.error).toBe("invalid_auth");
  });

  it("a ratelimited 429 with Retry-After is waited out and retried by the SDK", async () => {
    env.sim.ratelimit({ method: "chat.postMessage", retryAfter: 1 });
    const before = env.sim.requests.length;
    const res = await web.chat.postMessage({ channel: "general", text: "after the wait" });
    expect(res.ok).toBe(true);
    expect(env.sim.requests.length - before).toBe(2);
  });

  it("an unknown channel is channel_not_found", async () => {
    const failure = (await web.chat.postMessage({ channel: "C0NOPE", text: "x" }).catch((e: unknown) => e)) as WebAPIPlatformError;
    expect(failure.data.error).toBe("channel_not_found");
  });
});
