/**
 * The least a connection fault costs any client here: `concurrency` loops,
 * each opening a TCP connection to the server with node:net alone (no HTTP,
 * no pool, no error objects) and closing it as soon as it is up, again and
 * again. Run by bench/suites/soak.ts in a fresh process pinned to the
 * client's core, as the goodput clients are; prints one `RESULT {json}`
 * line: the client's CPU µs per connection, warm-up excluded.
 */
import { connect } from "node:net";

export interface ConnectFloorConfig {
  baseUrl: string;
  concurrency: number;
  warmupMs: number;
  durationMs: number;
}

export interface ConnectFloorResult {
  connections: number;
  /** Client CPU time (user + system) per connection opened and closed, µs. */
  cpuUsPerConnection: number;
}

const config = JSON.parse(process.argv[2] ?? "") as ConnectFloorConfig;
const { hostname, port } = new URL(config.baseUrl);

const openAndClose = () =>
  new Promise<void>((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    // A reset, not a FIN: no TIME_WAIT left on this side, as with the resets the goodput runs get.
    socket.once("connect", () => socket.resetAndDestroy());
    socket.once("error", reject);
    socket.once("close", () => resolve());
  });

/** `concurrency` loops of openAndClose() for `ms`; the connections made. */
async function loops(ms: number): Promise<number> {
  const until = performance.now() + ms;
  let n = 0;
  const loop = async () => {
    while (performance.now() < until) {
      await openAndClose();
      n++;
    }
  };
  await Promise.all(Array.from({ length: config.concurrency }, loop));
  return n;
}

await loops(config.warmupMs);
const cpu0 = process.cpuUsage();
const connections = await loops(config.durationMs);
const cpu = process.cpuUsage(cpu0);
const result: ConnectFloorResult = { connections, cpuUsPerConnection: (cpu.user + cpu.system) / Math.max(1, connections) };
process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
process.exit(0);
