import { describe, expect, it } from "vitest";
import { createClient } from "../../../src/client/create-client.js";
import { redisStore } from "../../../src/stores/redis.js";
import type { Store } from "../../../src/stores/types.js";
import { useRedis } from "../../support/databases.js";
import { describeNginx, startNginxJudge } from "../../support/nginx.js";
import { fixedWindowServer, type RateLimitedServer, slidingWindowServer } from "../../support/rate-limited-server.js";
import { describeRedis } from "../../support/services.js";
import { waitFor } from "../../support/wait.js";

const RATE = 20; // per second, the server's limit and the client's
const CALLS = 120; // ~6 s at 20/s: long enough that a few late timers on a loaded machine do not move the ratio much

/** Sends `CALLS` calls at once through a client limited to the server's own rate; returns what the server saw. */
async function run(server: RateLimitedServer, store?: Store) {
  const client = createClient({
    baseUrl: server.url,
    retry: false,
    ...(store && { store }),
    rateLimit: { limits: [{ requests: RATE, per: "1s" }] },
  });
  const results = await Promise.allSettled(Array.from({ length: CALLS }, () => client.get("/x")));
  await client.close();
  const times = server.accepted;
  const span = (times[times.length - 1] as number) - (times[0] as number);
  // the span CALLS requests at exactly the limit would take, over the span they took
  const utilisation = ((times.length - 1) * (1000 / RATE)) / span;
  return { failed: results.filter((r) => r.status === "rejected").length, rejected: server.rejected, accepted: times.length, utilisation };
}

const servers: Array<[string, () => Promise<RateLimitedServer>]> = [
  ["a fixed-window server (epoch-second reset, as GitHub)", () => fixedWindowServer(RATE, 1000)],
  ["a sliding-window server (reset to the millisecond)", () => slidingWindowServer(RATE, 1000)],
  ["a sliding-window server (reset in whole seconds, rounded up, as most send it)", () => slidingWindowServer(RATE, 1000, true)],
];

describe.each(servers)("at the limit of %s", (_name, start) => {
  it("in one process: >= 95 % of the limit, nothing refused", async () => {
    const server = await start();
    try {
      const r = await run(server);
      expect(r).toMatchObject({ failed: 0, rejected: 0, accepted: CALLS });
      expect(r.utilisation).toBeGreaterThanOrEqual(0.95);
    } finally {
      await server.close();
    }
  });
});

describeRedis("through Redis", () => {
  const { redis, prefix } = useRedis("throughput");

  it.each(servers)("at the limit of %s: >= 95 %, nothing refused", async (_name, start) => {
    const server = await start();
    try {
      const r = await run(server, redisStore(redis, { prefix: `${prefix}${server.url}:` }));
      expect(r).toMatchObject({ failed: 0, rejected: 0, accepted: CALLS });
      expect(r.utilisation).toBeGreaterThanOrEqual(0.95);
    } finally {
      await server.close();
    }
  });
});

describeNginx("nginx limit_req as the judge (a leaky bucket, no headers to learn from)", () => {
  it("the judge refuses what goes faster: 10 calls at once without a limiter", async () => {
    const judge = await startNginxJudge({ rate: RATE, burst: 2 });
    try {
      const client = createClient({ baseUrl: judge.url, retry: false });
      await Promise.allSettled(Array.from({ length: 10 }, () => client.get("/x")));
      await client.close();
      const log = await waitFor(() => (judge.log().length >= 10 ? judge.log() : undefined), { what: "10 lines in the judge's log" });
      expect(log.filter((l) => l.status === 429).length).toBeGreaterThanOrEqual(5);
    } finally {
      await judge.close();
    }
  });

  it("20/s against rate=20r/s with a burst of 2: >= 95 % of the rate, nothing refused", async () => {
    const judge = await startNginxJudge({ rate: RATE, burst: 2 });
    try {
      const client = createClient({ baseUrl: judge.url, retry: false, rateLimit: { limits: [{ requests: RATE, per: "1s" }] } });
      const results = await Promise.allSettled(Array.from({ length: CALLS }, () => client.get("/x")));
      await client.close();
      // nginx writes a request's log line after it has sent the answer: wait for the last ones.
      const log = await waitFor(() => (judge.log().length >= CALLS ? judge.log() : undefined), { what: `${CALLS} lines in the judge's log` });
      const ok = log.filter((l) => l.status === 200).map((l) => l.at);
      expect(results.filter((r) => r.status === "rejected")).toHaveLength(0);
      expect(log.filter((l) => l.status === 429)).toHaveLength(0);
      expect(ok).toHaveLength(CALLS);
      const utilisation = ((ok.length - 1) * (1000 / RATE)) / ((ok[ok.length - 1] as number) - (ok[0] as number));
      expect(utilisation).toBeGreaterThanOrEqual(0.95);
    } finally {
      await judge.close();
    }
  });
});
