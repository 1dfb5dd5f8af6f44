/**
 * The benchmark server: a minimal node:http server answering fixed JSON with
 * keep-alive. Run in its own process (pinned to one core by the suite); prints
 * `{"port":N}` on stdout once listening.
 */
import { createServer } from "node:http";
import { AUTHORIZATION, CPU_PATH, ECHO_PATH, ITEM, ITEM_PATH } from "./payloads.js";

const item = Buffer.from(JSON.stringify(ITEM));
const jsonHeaders = (length: number) => ({ "content-type": "application/json", "content-length": String(length) });
const unauthorized = Buffer.from('{"error":"missing or wrong authorization"}');

const server = createServer((req, res) => {
  if (req.url === CPU_PATH) {
    res.end(JSON.stringify(process.cpuUsage()));
    return;
  }
  // Checked so that no contender can skip the auth header and look faster.
  if (req.headers.authorization !== AUTHORIZATION) {
    res.writeHead(401, jsonHeaders(unauthorized.length)).end(unauthorized);
    return;
  }
  if (req.method === "GET" && req.url === ITEM_PATH) {
    res.writeHead(200, jsonHeaders(item.length)).end(item);
    return;
  }
  if (req.method === "POST" && req.url === ECHO_PATH) {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      res.writeHead(201, jsonHeaders(body.length)).end(body);
    });
    return;
  }
  res.writeHead(404).end();
});

// Longer than any client's idle timeout, so the server never closes a socket a client is about to reuse.
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no TCP address");
  process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);
});
process.on("SIGTERM", () => process.exit(0));
