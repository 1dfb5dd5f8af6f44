/**
 * A protected API on loopback that accepts only access tokens the test
 * provider issued and still considers valid (looked up in the provider, as a
 * resource server would introspect them). Counts requests per token.
 */
import { startServer } from "../../support/http-server.js";
import type { TestProvider } from "./provider.js";

export interface TestApi {
  origin: string;
  hits: () => number;
  /** Tokens the API answers 401 for even if the provider still knows them. */
  refuse: Set<string>;
  /** Authorization headers seen, in order. */
  seen: string[];
  close(): Promise<void>;
}

export async function startApi(op: TestProvider): Promise<TestApi> {
  let hits = 0;
  const refuse = new Set<string>();
  const seen: string[] = [];
  const server = await startServer(async (req, res) => {
    hits++;
    const header = req.headers.authorization ?? "";
    seen.push(header);
    const token = /^Bearer (.+)$/.exec(header)?.[1];
    const known = token && !refuse.has(token) ? ((await op.provider.AccessToken.find(token)) ?? (await op.provider.ClientCredentials.find(token))) : undefined;
    if (!known || known.isExpired) {
      res.writeHead(401, { "www-authenticate": 'Bearer error="invalid_token"', "content-type": "application/json" }).end('{"error":"invalid_token"}');
      return;
    }
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ok: true, sub: known.accountId ?? known.clientId }));
  });
  return { origin: server.origin, hits: () => hits, refuse, seen, close: server.close };
}
