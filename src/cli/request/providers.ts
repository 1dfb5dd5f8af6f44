import type { Client } from "../../client/create-client.js";
import { usageError } from "../exit.js";
import type { CallCounters, ClientFlags } from "./client.js";

/** Provider profiles `ballast request PROVIDER ...` knows. */
const PROVIDERS: Record<string, (flags: ClientFlags, counters: CallCounters) => Client | Promise<Client>> = {};

export function providerNames(): string[] {
  return Object.keys(PROVIDERS);
}

/** The provider's client: its auth from the usual environment variable, its base URL (or `--base-url`). */
export async function providerClient(name: string, flags: ClientFlags, counters: CallCounters): Promise<Client> {
  const make = PROVIDERS[name.toLowerCase()];
  if (make === undefined) throw usageError(`unknown provider ${JSON.stringify(name)}; known: ${providerNames().join(", ") || "none"}`);
  return make(flags, counters);
}
