import { errors, request } from "undici";
import { describe, expect, it } from "vitest";
import { sseReply } from "../../src/testing/index.js";
import { useSimulator } from "../support/simulator.js";

const env = useSimulator();
const { agent } = env;

/** Reads the body chunk by chunk, noting how many chunks had arrived when each one did. */
async function readChunks(path: string) {
  const res = await request(env.sim.url + path, { dispatcher: agent });
  const received: string[] = [];
  for await (const chunk of res.body) received.push(Buffer.from(chunk as Buffer).toString("utf8"));
  return { status: res.statusCode, headers: res.headers, text: received.join(""), count: received.length };
}

describe("chunked replies", () => {
  it("chunks are sent with chunked transfer encoding and no content-length", async () => {
    env.sim.route("GET", "/ndjson", { headers: { "content-type": "application/x-ndjson" }, chunks: ['{"n":1}\n', '{"n":2}\n', '{"n":3}\n'] });
    const res = await readChunks("/ndjson");
    expect(res.headers["transfer-encoding"]).toBe("chunked");
    expect(res.headers["content-length"]).toBeUndefined();
    expect(res.headers["content-type"]).toBe("application/x-ndjson");
    expect(
      res.text
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as unknown),
    ).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  });

  it("chunkDelay spaces the chunks so the client receives them separately", async () => {
    env.sim.route("GET", "/drip", { chunks: ["a", "b", "c"], chunkDelay: 40 });
    const res = await readChunks("/drip");
    expect(res.text).toBe("abc");
    expect(res.count).toBe(3);
  });

  it("truncate on a chunked reply cuts the stream: the body read fails after the first chunks", async () => {
    env.sim.route("GET", "/cut", { fault: "truncate", chunks: ["one,", "two,", "three,", "four"] });
    const res = await request(`${env.sim.url}/cut`, { dispatcher: agent });
    expect(res.statusCode).toBe(200);
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const chunk of res.body) seen.push(Buffer.from(chunk as Buffer).toString());
      })(),
      // undici reports the cut as an unfinished chunked body, or as the closed socket when that lands first
    ).rejects.toSatisfy((e) => e instanceof errors.HTTPParserError || e instanceof errors.SocketError);
    expect(seen.join("")).toBe("one,two,");
  });

  it("sseReply() builds a text/event-stream of events", async () => {
    env.sim.route("GET", "/events", sseReply([{ event: "greeting", id: "1", data: "hello" }, "plain", { data: "multi\nline", retry: 500 }], { delay: 10 }));
    const res = await readChunks("/events");
    expect(res.headers["content-type"]).toBe("text/event-stream");
    expect(res.text).toBe("event: greeting\nid: 1\ndata: hello\n\ndata: plain\n\nretry: 500\ndata: multi\ndata: line\n\n");
  });
});
