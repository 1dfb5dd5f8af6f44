// A loopback HTTP server whose answers each test scripts, and a pipeline
// (cache → undici transport) that sends requests to it over real sockets.
import type { IncomingMessage, ServerResponse } from "node:http";
import { compose } from "../../../src/compose.js";
import { undiciTransport } from "../../../src/transport/undici.js";
import type { ApiRequest, ApiResponse, Middleware } from "../../../src/types.js";
import { startServer } from "../../support/http-server.js";
import { apiRequest } from "../../support/request.js";

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface Origin {
  origin: string;
  /** Requests received (method, url, headers). */
  seen: Array<{ method: string; url: string; headers: IncomingMessage["headers"] }>;
  handle: Handler;
  close(): Promise<void>;
}

export async function startOrigin(): Promise<Origin> {
  const o: Origin = {
    origin: "",
    seen: [],
    handle: (_req, res) => res.end(),
    close: async () => {},
  };
  const server = await startServer((req, res) => {
    o.seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers });
    o.handle(req, res);
  });
  o.origin = server.origin;
  o.close = server.close;
  return o;
}

export function pipeline(middleware: Middleware[]) {
  const transport = undiciTransport();
  return { send: compose(middleware, (r) => transport.send(r)), close: () => transport.close() };
}

export function request(origin: string, path: string, init: Partial<ApiRequest> = {}): ApiRequest {
  return apiRequest(origin + path, { route: path, ...init });
}

export async function text(res: ApiResponse): Promise<string> {
  if (res.body === null) return "";
  const chunks: Buffer[] = [];
  for await (const c of res.body) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks).toString("utf8");
}
