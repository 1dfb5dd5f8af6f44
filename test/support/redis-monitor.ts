import type { Socket } from "node:net";
import type { Redis } from "ioredis";
import { onTestFinished } from "vitest";
import { waitFor } from "./wait.js";

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
  const monitor = await server.monitor();
  onTestFinished(() => monitor.disconnect());
  const own = from && `127.0.0.1:${(from as unknown as { stream: Socket }).stream.localPort}`;
  const commands: string[] = [];
  monitor.on("monitor", (_time: string, args: string[], source: string) => {
    if (own ? source === own : source !== "lua") commands.push(String(args[0]).toLowerCase());
  });
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
