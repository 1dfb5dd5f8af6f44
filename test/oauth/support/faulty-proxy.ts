/**
 * A loopback HTTP proxy in front of the test provider's token endpoint that
 * injects faults into the next requests: a 503 (with or without Retry-After)
 * or a connection reset before the request reaches the provider.
 */
import http from "node:http";
import { startServer } from "../../support/http-server.js";

export type Fault = "503" | "503-retry-after" | "reset";

export interface FaultyProxy {
  /** The proxy's URL for the provider's token endpoint. */
  tokenUrl: string;
  /** Faults for the next requests, in order; after them requests pass through. */
  failNext(...faults: Fault[]): void;
  /** Fail every request with a 503 from now on. */
  failAlways(): void;
  /** Requests the proxy received, and how many it passed to the provider. */
  received: number;
  forwarded: number;
  close(): Promise<void>;
}

export async function faultyTokenProxy(issuer: string): Promise<FaultyProxy> {
  const discovery = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as { token_endpoint: string };
  const target = new URL(discovery.token_endpoint);
  const faults: Fault[] = [];
  let always = false;
  const counts = { received: 0, forwarded: 0 };
  const server = await startServer((req, res) => {
    counts.received++;
    const fault = always ? "503" : faults.shift();
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (fault === "reset") return req.socket.destroy();
      if (fault === "503" || fault === "503-retry-after") {
        res.writeHead(503, { "content-type": "text/html", ...(fault === "503-retry-after" && { "retry-after": "1" }) });
        return res.end("<h1>Service Unavailable</h1>");
      }
      counts.forwarded++;
      const upstream = http.request(
        { host: target.hostname, port: target.port, path: target.pathname, method: req.method, headers: { ...req.headers, host: target.host } },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on("error", () => res.destroy());
      upstream.end(Buffer.concat(chunks));
    });
  });
  return {
    tokenUrl: `${server.origin}${target.pathname}`,
    failNext: (...f) => faults.push(...f),
    failAlways: () => {
      always = true;
    },
    get received() {
      return counts.received;
    },
    get forwarded() {
      return counts.forwarded;
    },
    close: server.close,
  };
}
