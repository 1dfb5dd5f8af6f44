import type { IncomingHttpHeaders } from "node:http";
import { startServer } from "../../support/http-server.js";

export interface Delivery {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A loopback HTTP server that records what it receives and answers 200: where simulators deliver webhooks in tests. */
export async function webhookSink(status = 200): Promise<{ url: string; received: Delivery[]; close(): Promise<void> }> {
  const received: Delivery[] = [];
  const server = await startServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(status).end();
    });
  });
  return { url: `${server.origin}/webhooks`, received, close: server.close };
}
