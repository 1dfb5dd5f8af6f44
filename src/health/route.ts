import type { IncomingMessage, ServerResponse } from "node:http";
import type { HealthReport } from "./types.js";

export interface HealthRoute {
  /** `(req, res)` for node:http, Express and anything built on them. */
  node(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** `Request => Response` for Hono, Next.js route handlers, Bun, Deno. */
  fetch(request?: Request): Promise<Response>;
}

/** 503 only when `down`: a degraded service still takes traffic. */
const statusCode = (report: HealthReport) => (report.status === "down" ? 503 : 200);

/**
 * A readiness route over `check` (see `healthCheck`): answers the report as
 * JSON, 200 when healthy or degraded and 503 when down, never cached.
 *
 * ```ts
 * const ready = healthRoute(healthCheck({ stripe, inbox }));
 * createServer((req, res) => (req.url === "/ready" ? ready.node(req, res) : app(req, res)));
 * ```
 */
export function healthRoute(check: () => Promise<HealthReport>): HealthRoute {
  const headers = { "content-type": "application/json", "cache-control": "no-store" };
  return {
    async node(_req, res) {
      const report = await check();
      const body = JSON.stringify(report);
      res.writeHead(statusCode(report), { ...headers, "content-length": Buffer.byteLength(body) });
      res.end(body);
    },
    async fetch() {
      const report = await check();
      return new Response(JSON.stringify(report), { status: statusCode(report), headers });
    },
  };
}
