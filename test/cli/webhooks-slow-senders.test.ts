import { afterEach, describe, expect, it } from "vitest";
import { type EventLine, type Listener, listen } from "../../src/cli/webhooks/listen.js";
import { memoryInbox, signWebhook } from "../../src/webhooks/index.js";
import { requestHead, trickle } from "../support/slow-client.js";

const SECRET = "whsec_cli_test_0123456789abcdef";
const DEADLINE_MS = 400;
// The answer must come at the deadline rather than when the request would have ended; the slack is for a loaded machine.
const SLACK_MS = 1500;

let listener: Listener | undefined;
afterEach(async () => {
  await listener?.close();
  listener = undefined;
});

async function start() {
  const inbox = memoryInbox();
  const lines: EventLine[] = [];
  listener = await listen({
    scheme: "stripe",
    secret: SECRET,
    host: "127.0.0.1",
    port: 0,
    path: "/webhooks",
    inbox,
    maxAttempts: 1,
    backoffMs: 1000,
    forwardTimeoutMs: 1000,
    bodyTimeoutMs: DEADLINE_MS,
    print: (line) => lines.push(line),
  });
  return { inbox, lines, url: listener.url, origin: new URL(listener.url).origin };
}

let n = 0;
function delivery() {
  const id = `evt_cli_slow_${++n}`;
  const body = JSON.stringify({ id, type: "invoice.paid", data: { object: {} } });
  return { id, body, headers: { ...signWebhook({ scheme: "stripe", payload: body, secret: SECRET }), "content-type": "application/json" } };
}

describe("webhooks listen: slow senders are cut at --body-timeout", () => {
  it("a body trickled at 1 byte/s is answered 408 and reported rejected; a delivery meanwhile is stored", async () => {
    const { inbox, lines, url, origin } = await start();
    const slow = delivery();
    const normal = delivery();
    const trickled = trickle(origin, requestHead("/webhooks", slow.headers, Buffer.byteLength(slow.body)), slow.body, { everyMs: 1000, giveUpMs: 20_000 });
    expect((await fetch(url, { method: "POST", body: normal.body, headers: normal.headers })).status).toBe(200);
    const answer = await trickled;

    expect(answer.status).toBe(408);
    expect(answer.answeredAfter).toBeLessThan(DEADLINE_MS + SLACK_MS);
    expect(answer.closedAfter).toBeLessThan(DEADLINE_MS + SLACK_MS);
    expect(lines).toContainEqual(expect.objectContaining({ status: "rejected", detail: "HTTP 408 body_timeout" }));
    expect((await inbox.list()).map((e) => e.id)).toEqual([normal.id]);
  });

  it("headers trickled at 1 byte/s are answered 408 (by node) within the same limit; nothing stored", async () => {
    const { inbox, origin } = await start();
    const slow = delivery();
    const head = requestHead("/webhooks", slow.headers, Buffer.byteLength(slow.body));
    const answer = await trickle(origin, "", head + slow.body, { everyMs: 1000, giveUpMs: 20_000 });

    expect(answer.status).toBe(408);
    // node checks its header deadline on an interval (a quarter of the limit here), hence one more interval of slack.
    expect(answer.closedAfter).toBeLessThan(DEADLINE_MS * 1.25 + SLACK_MS);
    expect(await inbox.list()).toEqual([]);
  });
});
