import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isAbortError, isNetworkError } from "../../../src/errors.js";
import { dedupe } from "../../../src/middleware/dedupe/dedupe.js";
import { type Origin, pipeline, request, startOrigin, text } from "../cache/fixtures.js";

let origin: Origin;
let pipe: ReturnType<typeof pipeline> | undefined;
beforeEach(async () => {
  origin = await startOrigin();
});
afterEach(async () => {
  await pipe?.close();
  pipe = undefined;
  await origin.close();
});

function setup(options: Parameters<typeof dedupe>[0] = {}) {
  const policy = dedupe(options);
  pipe = pipeline([policy]);
  return { policy, send: pipe.send };
}

/** Answers after `ms`, so concurrent callers overlap. */
const slowly = (ms: number, body: (url: string) => string) => (req: { url?: string | undefined }, res: import("node:http").ServerResponse) =>
  setTimeout(() => res.writeHead(200, { "content-type": "text/plain" }).end(body(req.url ?? "")), ms);

describe("dedupe()", () => {
  it("identical GETs in flight share one network call; each caller reads its own body", async () => {
    origin.handle = slowly(50, (url) => `hello ${url}`);
    const { policy, send } = setup();
    const responses = await Promise.all(Array.from({ length: 5 }, () => send(request(origin.origin, "/greeting"))));
    // Read them in reverse order, one at a time: no copy depends on another being read first.
    const bodies: string[] = [];
    for (const res of responses.reverse()) bodies.push(await text(res));
    expect(bodies).toEqual(Array(5).fill("hello /greeting"));
    expect(origin.seen).toHaveLength(1);
    expect(policy.stats()).toEqual({ sent: 1, shared: 4, inFlight: 0 });
  });

  it("a large body reaches every caller byte for byte, read at different speeds", async () => {
    const big = Buffer.alloc(2 * 2 ** 20, "abcdefgh");
    origin.handle = (_req, res) => setTimeout(() => res.end(big), 30);
    const { send } = setup();
    const [a, b] = await Promise.all([send(request(origin.origin, "/big")), send(request(origin.origin, "/big"))]);
    const readA = text(a!);
    await new Promise((r) => setTimeout(r, 20)); // b starts late; a waits for it (backpressure), nothing is lost
    const readB = text(b!);
    const [ta, tb] = await Promise.all([readA, readB]);
    expect(ta.length).toBe(big.length);
    expect(tb).toBe(ta);
    expect(origin.seen).toHaveLength(1);
  });

  it("different paths, queries or headers are not shared, nor are POSTs", async () => {
    origin.handle = slowly(30, (url) => url);
    const { send } = setup();
    await Promise.all([
      send(request(origin.origin, "/a")),
      send(request(origin.origin, "/a?x=1")),
      send(request(origin.origin, "/a", { headers: { accept: "text/csv" } })),
      send(request(origin.origin, "/a", { method: "POST", body: "{}" })),
      send(request(origin.origin, "/a", { method: "POST", body: "{}" })),
    ]).then((rs) => Promise.all(rs.map(text)));
    expect(origin.seen).toHaveLength(5);
  });

  it("shares only while in flight: a later identical request goes to the network again", async () => {
    origin.handle = slowly(1, () => "x");
    const { send } = setup();
    await text(await send(request(origin.origin, "/a")));
    await text(await send(request(origin.origin, "/a")));
    expect(origin.seen).toHaveLength(2);
  });

  it("a failure reaches every caller", async () => {
    origin.handle = (req) => setTimeout(() => req.socket.destroy(), 30);
    const { send } = setup();
    const results = await Promise.allSettled([send(request(origin.origin, "/boom")), send(request(origin.origin, "/boom"))]);
    expect(results.map((r) => r.status === "rejected" && isNetworkError(r.reason))).toEqual([true, true]);
    expect(origin.seen).toHaveLength(1);
  });

  it("one caller aborting does not cancel the call for the others; when all abort, the call is cancelled", async () => {
    origin.handle = slowly(80, () => "done");
    const { send } = setup();
    const quitter = new AbortController();
    const stayer = send(request(origin.origin, "/s"));
    const leaving = send(request(origin.origin, "/s", { signal: quitter.signal }));
    quitter.abort("bored");
    await expect(leaving).rejects.toSatisfy(isAbortError);
    expect(await text(await stayer)).toBe("done");

    let closedEarly = false;
    let arrived = false;
    origin.handle = (req, res) => {
      arrived = true;
      res.on("close", () => {
        closedEarly = !res.writableFinished;
      });
      setTimeout(() => res.end("late"), 300);
      void req;
    };
    const c1 = new AbortController();
    const c2 = new AbortController();
    const p1 = send(request(origin.origin, "/t", { signal: c1.signal }));
    const p2 = send(request(origin.origin, "/t", { signal: c2.signal }));
    await expect.poll(() => arrived).toBe(true); // the shared call is on the wire: aborting it must close the connection
    c1.abort();
    c2.abort();
    await expect(p1).rejects.toSatisfy(isAbortError);
    await expect(p2).rejects.toSatisfy(isAbortError);
    await expect.poll(() => closedEarly).toBe(true);
  });

  it("rejects invalid options", () => {
    expect(() => dedupe({ methods: ["POST" as never] })).toThrow(expect.objectContaining({ option: "dedupe.methods" }));
  });
});
