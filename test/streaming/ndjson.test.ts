import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createClient } from "../../src/client/create-client.js";
import { isParseError } from "../../src/errors.js";
import { ndjson } from "../../src/streaming/index.js";
import { startServer } from "../support/http-server.js";
import { collect } from "../support/iterate.js";

describe("ndjson()", () => {
  it("parses one value per line across arbitrary chunk boundaries, with CRLF, blank lines and no final newline", async () => {
    const text = '{"a":1}\r\n\n{"b":"é✓"}\n[1,2]\n"last"';
    const bytes = Buffer.from(text);
    // One byte per chunk splits lines and multi-byte characters.
    const chunks = Array.from(bytes, (b) => Buffer.from([b]));
    expect(await collect(ndjson(Readable.from(chunks)))).toEqual([{ a: 1 }, { b: "é✓" }, [1, 2], "last"]);
  });

  it("an invalid line throws ParseError naming its line number", async () => {
    const err = await collect(ndjson(Readable.from(['{"ok":1}\n', "\n", "{nope}\n"]))).catch((e) => e);
    expect(isParseError(err)).toBe(true);
    expect(err.message).toContain("line 3");
  });

  it("a line longer than maxLineBytes throws instead of growing memory", async () => {
    const err = await collect(ndjson(Readable.from(["x".repeat(100)]), { maxLineBytes: 50 })).catch((e) => e);
    expect(isParseError(err)).toBe(true);
    await expect(ndjson(Readable.from([]), { maxLineBytes: 0 }).next()).rejects.toMatchObject({ option: "ndjson.maxLineBytes" });
  });

  it("streams a large response from client.raw() without buffering it: the server is held back until the consumer reads", async () => {
    const total = 20_000; // ~20 MB: far more than socket buffers hold
    let written = 0;
    let blocked = false;
    const server = await startServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/x-ndjson" });
      const pump = () => {
        while (written < total) {
          written++;
          if (!res.write(`{"i":${written},"pad":"${"p".repeat(1000)}"}\n`)) {
            blocked = true;
            return void res.once("drain", pump);
          }
        }
        res.end();
      };
      pump();
    });
    let body: Readable | null = null;
    const client = createClient({ baseUrl: server.origin, retry: false });
    try {
      const res = await client.raw({ method: "GET", path: "/export", timeout: false });
      body = res.body;
      const rows = ndjson<{ i: number }>(res.body as Readable);
      const first = await rows.next();
      expect(first.value).toMatchObject({ i: 1 });
      await expect.poll(() => blocked).toBe(true);
      expect(written).toBeLessThan(total); // not read ahead into memory
      let count = 1;
      let last = 1;
      for await (const row of rows) {
        count++;
        last = row.i;
      }
      expect([count, last]).toEqual([total, total]);
    } finally {
      body?.destroy();
      await client.close();
      await server.close();
    }
  });
});
