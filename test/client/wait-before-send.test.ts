/**
 * With the undici transport the attempt's timer runs in the transport, from
 * when the request is sent: a wait between the client's time limits and the
 * transport (here a `use` middleware that awaits before `next`) still counts,
 * and the call ends at its deadline, as it does with the fetch transport.
 */
import { describe, expect, it, onTestFinished } from "vitest";
import { createClient } from "../../src/client/create-client.js";
import { isTimeoutError } from "../../src/errors.js";
import { fetchTransport } from "../../src/transport/fetch.js";
import type { Middleware, Transport } from "../../src/types.js";
import { useServer } from "../support/http-server.js";

// Accepts and never answers.
const api = useServer();

/** The latest a call may end: its limit plus max(1 %, 100 ms), as in deadlines.test.ts. */
const wall = (limitMs: number) => limitMs + Math.max(limitMs / 100, 100);

const slowStep: Middleware = async (req, next) => {
  await new Promise((resolve) => setTimeout(resolve, 300));
  return next(req);
};

describe.each<[string, () => Transport | undefined]>([
  ["undici (the default)", () => undefined],
  ["fetch", () => fetchTransport()],
])("a use middleware that waits 300 ms before sending, %s transport", (_name, make) => {
  it.each([
    ["timeout: 500 (the total limit)", 500],
    ["timeout: { attempt: 500 }", { attempt: 500 }],
  ] as const)("ends the call at its limit with %s", async (_what, timeout) => {
    const transport = make();
    const client = createClient({ baseUrl: api.url, retry: false, timeout, use: [slowStep], ...(transport && { transport }) });
    onTestFinished(() => client.close());
    const t0 = performance.now();
    const error = await client.get("/x").catch((e: unknown) => e);
    const ms = performance.now() - t0;
    expect(isTimeoutError(error)).toBe(true);
    expect(ms).toBeLessThan(wall(500));
  });
});
