import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createClient } from "../../src/client/create-client.js";
import { startServer } from "../support/http-server.js";

describe("uploads from streams", () => {
  it("sends a generated 32 MiB stream chunk by chunk, pulled only as fast as the server reads", async () => {
    const CHUNK = Buffer.alloc(64 * 1024, "u");
    const TOTAL = 512; // chunks
    let produced = 0;
    let received = 0;
    let maxAhead = 0;
    const server = await startServer((req, res) => {
      req.on("data", (c: Buffer) => {
        received += c.length;
      });
      req.on("end", () => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ received })));
    });
    const client = createClient({ baseUrl: server.origin, retry: false });
    try {
      const body = Readable.from(
        (function* () {
          for (let i = 0; i < TOTAL; i++) {
            produced += CHUNK.length;
            maxAhead = Math.max(maxAhead, produced - received);
            yield CHUNK;
          }
        })(),
      );
      const result = await client.post("/upload", { body, headers: { "content-type": "application/octet-stream" } });
      expect(result).toEqual({ received: TOTAL * CHUNK.length });
      // The producer never ran far ahead of the server: the body was streamed, not collected first.
      expect(maxAhead).toBeLessThan((TOTAL * CHUNK.length) / 2);
    } finally {
      await client.close();
      await server.close();
    }
  });
});
