/**
 * The behaviour every `Transport` must have, run unchanged against each
 * implementation (undici and fetch) over a real loopback server: what it
 * sends, what it returns, and which errors it raises.
 */
import type http from "node:http";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isAbortError, isNetworkError } from "../../src/errors.js";
import type { ApiRequest, Transport } from "../../src/types.js";
import { useServer } from "../support/http-server.js";
import { freePort } from "../support/ports.js";
import { apiRequest } from "../support/request.js";

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export function transportContract(name: string, make: () => Transport): void {
  describe(`Transport contract: ${name}`, () => {
    let transport: Transport;
    const seen: Seen[] = [];
    const server = useServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString() });
      const path = new URL(req.url ?? "/", "http://x").pathname;
      if (path === "/redirect") return res.writeHead(302, { location: "/elsewhere" }).end();
      if (path === "/cookies")
        return res
          .writeHead(200, [
            ["Set-Cookie", "a=1"],
            ["Set-Cookie", "b=2"],
            ["X-Mixed-Case", "v"],
          ])
          .end("ok");
      if (path === "/reset") return req.socket.destroy();
      if (path === "/cut") {
        res.writeHead(200, { "content-length": "100" });
        res.write("only part");
        setTimeout(() => req.socket.destroy(), 20);
        return;
      }
      if (path === "/hang") return; // never answers
      res.writeHead(path === "/created" ? 201 : 200, { "content-type": "application/json" }).end(JSON.stringify({ path }));
    });

    const request = (over: Partial<ApiRequest> = {}): ApiRequest => apiRequest(`${server.origin}/`, over);
    const text = async (body: Readable | null) => {
      if (body === null) return "";
      const chunks: Buffer[] = [];
      for await (const c of body) chunks.push(Buffer.from(c as Uint8Array));
      return Buffer.concat(chunks).toString();
    };

    beforeAll(() => {
      transport = make();
    });
    afterAll(() => transport.close());

    it("sends method, path with query, headers and a string body; returns status, headers and a streaming body", async () => {
      const res = await transport.send(
        request({ method: "POST", path: "/created?a=1&b=%20", headers: { "x-one": "1", "content-type": "text/plain" }, body: "hello" }),
      );
      expect(res.status).toBe(201);
      expect(res.headers["content-type"]).toBe("application/json");
      expect(JSON.parse(await text(res.body))).toEqual({ path: "/created" });
      const s = seen.at(-1) as Seen;
      expect([s.method, s.url, s.headers["x-one"], s.body]).toEqual(["POST", "/created?a=1&b=%20", "1", "hello"]);
    });

    it("sends bytes, async-iterable streams and a body function (called for this attempt)", async () => {
      await text((await transport.send(request({ method: "PUT", body: new TextEncoder().encode("bytes") }))).body);
      expect(seen.at(-1)?.body).toBe("bytes");
      await text((await transport.send(request({ method: "PUT", body: Readable.from([Buffer.from("str"), Buffer.from("eam")]), replayable: false }))).body);
      expect(seen.at(-1)?.body).toBe("stream");
      let calls = 0;
      await text((await transport.send(request({ method: "PUT", body: () => `fresh-${++calls}` }))).body);
      expect(seen.at(-1)?.body).toBe("fresh-1");
    });

    it("lower-cases header names and keeps repeated set-cookie headers apart", async () => {
      const res = await transport.send(request({ path: "/cookies" }));
      await text(res.body);
      expect(res.headers["x-mixed-case"]).toBe("v");
      expect(res.headers["set-cookie"]).toEqual(["a=1", "b=2"]);
    });

    it("returns a redirect as it is: the pipeline decides whether to follow", async () => {
      const before = seen.length;
      const res = await transport.send(request({ path: "/redirect" }));
      await text(res.body);
      expect(res.status).toBe(302);
      expect(res.headers.location).toBe("/elsewhere");
      expect(seen.length).toBe(before + 1);
    });

    it("answers HEAD with no body to read", async () => {
      const res = await transport.send(request({ method: "HEAD" }));
      expect(res.status).toBe(200);
      expect(await text(res.body)).toBe("");
    });

    it("fails with a NetworkError marked not sent when the connection is refused", async () => {
      const err = await transport.send(request({ origin: `http://127.0.0.1:${await freePort()}` })).catch((e: unknown) => e);
      expect(isNetworkError(err)).toBe(true);
      expect((err as { sent: boolean }).sent).toBe(false);
    });

    it("fails with a NetworkError that may have been sent when the server resets the connection", async () => {
      const err = await transport.send(request({ path: "/reset" })).catch((e: unknown) => e);
      expect(isNetworkError(err)).toBe(true);
      expect((err as { sent: boolean }).sent).toBe(true);
    });

    it("errors the body stream when the connection dies before content-length is reached", async () => {
      const res = await transport.send(request({ path: "/cut" }));
      expect(res.status).toBe(200);
      await expect(text(res.body)).rejects.toBeInstanceOf(Error);
    });

    it("stops at once on an aborted signal with the signal's reason wrapped in an AbortError", async () => {
      const controller = new AbortController();
      const pending = transport.send(request({ path: "/hang", signal: controller.signal }));
      setTimeout(() => controller.abort(new Error("caller gave up")), 20);
      const err = await pending.catch((e: unknown) => e);
      expect(isAbortError(err)).toBe(true);
    });
  });
}
