// A small JSON API on loopback that pages a list of items in every style the
// strategies support, plus a sender that fetches pages over a real socket.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { request } from "undici";
import type { PageSender } from "../../src/pagination/index.js";

export interface Item {
  id: number;
  name: string;
}

export interface PagingServer {
  origin: string;
  /** Every request URL, in order. */
  urls: string[];
  close(): Promise<void>;
}

type Handler = (url: URL, req: IncomingMessage) => { status?: number; headers?: Record<string, string>; json: unknown };

export async function startServer(handler: Handler): Promise<PagingServer> {
  const urls: string[] = [];
  let origin = "";
  const server: Server = createServer((req, res) => {
    urls.push(req.url ?? "");
    const url = new URL(req.url ?? "/", origin);
    const out = handler(url, req);
    res.writeHead(out.status ?? 200, { "content-type": "application/json", ...out.headers });
    res.end(JSON.stringify(out.json));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    urls,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const items = (n: number): Item[] => Array.from({ length: n }, (_, i) => ({ id: i + 1, name: `item ${i + 1}` }));

/** Fetches a page with undici: relative paths against `origin`, absolute URLs as they are. */
export function sender(origin: string): PageSender {
  return async (pg) => {
    const url = new URL(pg.path, origin);
    for (const [k, v] of Object.entries(pg.query)) if (v !== undefined) url.searchParams.set(k, String(v));
    const res = await request(url);
    return { status: res.statusCode, headers: res.headers, body: await res.body.json(), url: url.href };
  };
}
