/** An API on loopback whose latency is known, for tests that tell the API's time apart from time queued in the client. */
import { startServer, type TestServer } from "./http-server.js";

/**
 * Answers every request after `delayMs`: its headers first, the rest of its
 * JSON body 20 ms later; the first `failFirst` requests get a 503 at once
 * asking for a 0.2 s wait (`retry-after: 0.2`).
 */
export function slowApi(delayMs: number, failFirst = 0): Promise<TestServer> {
  let seen = 0;
  return startServer((_req, res) => {
    if (++seen <= failFirst) return void res.writeHead(503, { "retry-after": "0.2" }).end();
    setTimeout(() => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"ok":');
      setTimeout(() => res.end("true}"), 20);
    }, delayMs);
  });
}
