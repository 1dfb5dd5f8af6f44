import type { ServerOptions } from "node:http";

/**
 * `node:http` server options so a slow client cannot hold a socket: the
 * request headers must arrive within `ms`, the whole request within twice
 * that (a backstop behind the handlers' own body deadline). Node answers 408
 * and closes the connection when either passes; it checks every
 * `connectionsCheckingInterval`, set well below the limits so they are kept
 * to within a second (node's default check runs every 30 s).
 */
export function slowClientLimits(ms: number): ServerOptions {
  return {
    headersTimeout: ms,
    requestTimeout: 2 * ms,
    connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(ms / 4))),
  };
}
