/** A plain node:http server on a loopback port for tests that script the wire themselves. */
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { afterAll, beforeAll } from "vitest";

export interface TestServer {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  readonly url: string;
  /** Same as `url`. */
  readonly origin: string;
  readonly port: number;
  /** The underlying server (to count connections, listen to its events...). */
  readonly server: http.Server;
  /** Sockets currently open. */
  readonly openSockets: number;
  /** Destroys every open socket (stalled answers included) and closes the server; safe to call twice. */
  close(): Promise<void>;
}

/**
 * Starts `handler` (or a server that accepts and never answers, without one) on a free loopback port. Its
 * keep-alive outlasts undici's (4 s) so a pooled connection is never closed by the server under a request.
 */
export async function startServer(handler?: http.RequestListener): Promise<TestServer> {
  const server = http.createServer({ keepAliveTimeout: 30_000 }, handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return adoptServer(server);
}

/**
 * The same handle for a server a framework started (`app.listen(0, "127.0.0.1")`, @hono/node-server's `serve`):
 * waits until it listens. Sockets it accepted before are closed too (`closeAllConnections`).
 */
export async function adoptServer(server: http.Server): Promise<TestServer> {
  const sockets = new Set<Socket>();
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  if (!server.listening) await new Promise((resolve) => server.once("listening", resolve));
  const port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;
  let closing: Promise<void> | undefined;
  return {
    url: origin,
    origin,
    port,
    server,
    get openSockets() {
      return sockets.size;
    },
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      });
      return closing;
    },
  };
}

/** A server for the whole file: started in `beforeAll`, closed in `afterAll`; read it inside hooks and tests. */
export function useServer(handler?: http.RequestListener): TestServer {
  let started: TestServer | undefined;
  beforeAll(async () => {
    started = await startServer(handler);
  });
  afterAll(() => started?.close());
  const get = (): TestServer => {
    if (!started) throw new Error("the server starts in beforeAll");
    return started;
  };
  return {
    get url() {
      return get().url;
    },
    get origin() {
      return get().origin;
    },
    get port() {
      return get().port;
    },
    get server() {
      return get().server;
    },
    get openSockets() {
      return get().openSockets;
    },
    close: () => get().close(),
  };
}

/** Reads a request body as text. */
export function bodyOf(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let s = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => {
      s += c;
    });
    req.on("end", () => resolve(s));
    req.on("error", reject);
  });
}
