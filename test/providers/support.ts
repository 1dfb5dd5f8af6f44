import { onTestFinished } from "vitest";
import { type HttpError, isHttpError } from "../../src/index.js";
import { type SchemeName, type VerifiedWebhook, verifyWebhook } from "../../src/webhooks/index.js";
import { failureOf } from "../support/failure.js";
import { startServer } from "../support/http-server.js";

/** The `HttpError` a call fails with; any other outcome fails the test. */
export async function httpFailure(promise: Promise<unknown>): Promise<HttpError> {
  const error = await failureOf(promise);
  if (!isHttpError(error)) throw new Error(`expected an HttpError, got ${String(error)}`);
  return error;
}

/**
 * A loopback endpoint for a simulator's signed webhooks: each delivery is checked with `verifyWebhook(scheme,
 * secret)` and answered `status` (the verified webhook kept in `seen`), or 401. Closed when the test finishes.
 */
export async function verifyingEndpoint(scheme: SchemeName, secret: string, status = 200): Promise<{ origin: string; seen: VerifiedWebhook[] }> {
  const seen: VerifiedWebhook[] = [];
  const server = await startServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    try {
      seen.push(verifyWebhook({ scheme, payload: Buffer.concat(chunks), headers: req.headers, secret }));
      res.writeHead(status).end();
    } catch {
      res.writeHead(401).end();
    }
  });
  onTestFinished(() => server.close());
  return { origin: server.origin, seen };
}
