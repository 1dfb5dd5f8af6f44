/**
 * The soak server (soak.ts) in its own process, for the goodput runs, which use
 * the HTTP suite's setup (bench/http/processes.ts pins it to the server's
 * core). argv[2]: `{"seed":N,"faults":"none"|"all"|"status"|"connection"}`.
 * Prints `{"port":N}` once listening; STATS_PATH reports attempts and faults.
 */
import { GOODPUT_FAULTS, type GoodputFaults, startSoakServer } from "./soak.js";

const { seed, faults } = JSON.parse(process.argv[2] ?? "") as { seed: number; faults: GoodputFaults };
const server = await startSoakServer(seed, GOODPUT_FAULTS[faults]);
process.stdout.write(`${JSON.stringify({ port: Number(new URL(server.url).port) })}\n`);
process.on("SIGTERM", () => process.exit(0));
