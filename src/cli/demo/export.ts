import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { createClient } from "../../client/create-client.js";
import { bearer } from "../../middleware/auth/auth.js";
import { cursor } from "../../pagination/cursor.js";
import type { ApiSimulator } from "../../testing/index.js";
import type { Output } from "../output.js";
import { progressBar } from "../progress.js";
import { countRateLimitWaits } from "../request/client.js";
import type { Tally } from "./tally.js";

type Say = (text: string) => void;

/**
 * Act 2: every customer exported as JSON Lines, page by page through the
 * whole pipeline, under the server's rate limit (which the client respects)
 * and a page that fails once; a progress bar on stderr when it is a terminal.
 */
export async function paginatedExport(sim: ApiSimulator, file: string, tally: Tally, output: Output, say: Say): Promise<void> {
  const customers = Array.from({ length: 600 }, (_, i) => ({ id: `cus_${String(i + 1).padStart(4, "0")}`, email: `customer${i + 1}@example.com` }));
  sim.collection("/v1/customers", customers, { style: "cursor", pageSize: 25 });
  const serverLimit = sim.rateLimit({ requests: 50, per: "1s", route: "/v1/customers" });
  sim.inject(503, { path: "/v1/customers", times: 1 });
  sim.inject({ status: 429, headers: { "retry-after": "0" } }, { path: "/v1/customers", times: 1 });
  const before = sim.requests.length;

  const counters = { retries: 0, rateLimitWaits: 0 };
  const stopCounting = countRateLimitWaits(counters);
  const client = createClient({
    baseUrl: `${sim.url}/v1`,
    auth: bearer("sk_test_demo_key"),
    retry: { attempts: 4, backoff: { base: 10, cap: 100 }, onRetry: () => counters.retries++ },
    // The server's own limit, spaced as if each second were 20 ms longer so network jitter cannot bunch two requests at the server.
    rateLimit: { limits: [{ requests: 50, per: "1s" }], arrivalMargin: "20ms" },
  });
  const out = createWriteStream(file);
  const bar = progressBar(output.stderr, counters, customers.length);
  let items = 0;
  let pages = 0;
  try {
    const strategy = cursor({ next: "next_cursor", items: "data" });
    let asked = performance.now();
    for await (const page of client.pages("/customers", { strategy, query: { limit: 25 } })) {
      tally.latencies.push(performance.now() - asked);
      pages++;
      for (const item of page.items) {
        if (!out.write(`${JSON.stringify(item)}\n`)) await once(out, "drain");
        items++;
      }
      bar.update({ items, pages });
      asked = performance.now();
    }
  } finally {
    bar.stop();
    stopCounting();
    out.end();
    await once(out, "close");
    await client.close();
  }
  tally.calls += sim.requests.length - before;
  tally.retries += counters.retries;
  tally.rateLimitWaits += counters.rateLimitWaits;
  say(`${items} customers in ${pages} pages written to ${file}; a client limit of 50/s against the server's 50/s: ${serverLimit.rejected} rejected by it`);
}
