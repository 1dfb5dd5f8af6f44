import { connect, type Socket } from "node:net";
import type { Redis } from "ioredis";
import { onTestFinished } from "vitest";
import { waitFor } from "./wait.js";

/** One MONITOR line: `+<time> [<db> <source>] "<command>" "<arg>" ...`; the source is `ip:port`, or `lua` for a script's calls. */
const LINE = /^\+\S+ \[\d+ ([^\]]+)\] "([^"]*)"/;

/**
 * MONITOR on a socket of its own. ioredis's `monitor()` switches its
 * connection to monitoring only a turn after MONITOR's `+OK`, so a line that
 * arrives in the same chunk as the `+OK` (another client's INFO, say) reads as
 * a reply nobody asked for and fails the connection ("Command queue state
 * error"); a plain socket has no command queue to confuse.
 */
async function monitorSocket(server: Redis, onCommand: (source: string, command: string) => void): Promise<Socket> {
  const { host = "127.0.0.1", port = 6379 } = server.options;
  const socket = connect(port, host);
  let buffered = "";
  let listening = false;
  socket.setEncoding("utf8");
  socket.on("data", (chunk: string) => {
    buffered += chunk;
    for (let end = buffered.indexOf("\r\n"); end !== -1; end = buffered.indexOf("\r\n")) {
      const line = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      if (line === "+OK") listening = true;
      const m = LINE.exec(line);
      if (m) onCommand(m[1] as string, (m[2] as string).toLowerCase());
    }
  });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    // A server that goes away later fails the markers' waits instead of crashing the test run.
    socket.on("error", () => {});
    socket.write("MONITOR\r\n");
    await waitFor(() => listening, { what: "MONITOR's +OK" });
    return socket;
  } catch (e) {
    socket.destroy();
    throw e;
  }
}

/**
 * The top-level commands `server` received while `work` ran, read through
 * MONITOR: from the connection `from` only (other tests share the server), or,
 * without it, from every client but the scripts' own calls ("lua") — a cluster
 * node, whose connections ioredis opens itself. An ECHO marker sent after the
 * work (through `from`, else `server`) and waited for makes the report
 * complete; one sent before makes sure MONITOR was already listening. Markers
 * are left out of the answer.
 */
export async function commandsDuring(server: Redis, work: () => unknown, from?: Redis): Promise<string[]> {
  const own = from && `127.0.0.1:${(from as unknown as { stream: Socket }).stream.localPort}`;
  const commands: string[] = [];
  const monitor = await monitorSocket(server, (source, command) => {
    if (own ? source === own : source !== "lua") commands.push(command);
  });
  onTestFinished(() => void monitor.destroy());
  const marker = async (what: string) => {
    await (from ?? server).echo("marker");
    await waitFor(() => commands.includes("echo"), { what });
  };
  await marker("MONITOR to listen");
  commands.length = 0;
  await work();
  await marker("MONITOR to report the work");
  return commands.filter((c) => c !== "echo");
}
