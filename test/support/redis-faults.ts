/**
 * Redis that misbehaves, over real sockets (for a port nothing listens on, see ports.ts): a
 * server that accepts connections and never answers, and a proxy in front of
 * the real Redis that can hold every command back and let them through later.
 */
import net from "node:net";
import { REDIS_URL } from "./services.js";

export interface FaultServer {
  port: number;
  close(): Promise<void>;
}

function listen(server: net.Server, sockets: Set<net.Socket>): Promise<FaultServer> {
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("error", () => {});
    s.on("close", () => sockets.delete(s));
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({
        port: (server.address() as net.AddressInfo).port,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      }),
    ),
  );
}

/** Accepts every connection, reads what it is sent, and never answers. */
export function stallingServer(): Promise<FaultServer> {
  const sockets = new Set<net.Socket>();
  return listen(
    net.createServer((s) => s.resume()),
    sockets,
  );
}

export interface RedisProxy extends FaultServer {
  /** Commands sent from now on wait in the proxy (Redis does not see them) until `release()`. */
  hold(): void;
  release(): void;
}

/** A TCP proxy to the real Redis (`REDIS_URL`) that can hold commands back. */
export async function redisProxy(): Promise<RedisProxy> {
  const target = new URL(REDIS_URL);
  const sockets = new Set<net.Socket>();
  const clients = new Set<net.Socket>();
  let held = false;
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: target.hostname || "127.0.0.1", port: Number(target.port || 6379) });
    sockets.add(upstream);
    clients.add(client);
    upstream.on("error", () => client.destroy());
    upstream.on("close", () => {
      sockets.delete(upstream);
      client.destroy();
    });
    client.on("close", () => {
      clients.delete(client);
      upstream.destroy();
    });
    client.pipe(upstream);
    upstream.pipe(client);
    if (held) client.pause();
  });
  const base = await listen(server, sockets);
  return {
    ...base,
    hold() {
      held = true;
      for (const c of clients) c.pause();
    },
    release() {
      held = false;
      for (const c of clients) c.resume();
    },
  };
}
