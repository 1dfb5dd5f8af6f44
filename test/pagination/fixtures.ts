// A small JSON API on loopback that pages a list of items in every style the
// strategies support, plus a sender that fetches pages over a real socket.
import type { IncomingMessage } from "node:http";
import { request } from "undici";
import type { PageSender } from "../../src/pagination/index.js";
import { startServer } from "../support/http-server.js";

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

export async function startPagingServer(handler: Handler): Promise<PagingServer> {
  const urls: string[] = [];
  const server = await startServer((req, res) => {
    urls.push(req.url ?? "");
    const url = new URL(req.url ?? "/", server.origin);
    const out = handler(url, req);
    res.writeHead(out.status ?? 200, { "content-type": "application/json", ...out.headers });
    res.end(JSON.stringify(out.json));
  });
  return { origin: server.origin, urls, close: server.close };
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
