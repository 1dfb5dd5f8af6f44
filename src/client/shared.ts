import { type Clock, systemClock } from "../clock.js";
import { ConfigError } from "../errors.js";
import { type RetryBudget, retryBudget } from "../middleware/retry/budget.js";
import type { RetryOptions } from "../middleware/retry/retry.js";
import { memoryStore } from "../stores/memory.js";
import type { Store } from "../stores/types.js";
import { undiciTransport } from "../transport/undici.js";
import type { Transport } from "../types.js";
import type { ClientOptions } from "./options.js";
import { StatsRecorder } from "./stats.js";

/** Resources a client and the clients derived from it with `extend()` share. */
export interface Shared {
  transport: Transport;
  ownsTransport: boolean;
  store: Store;
  ownsStore: boolean;
  clock: Clock;
  budget: RetryBudget | undefined;
  stats: StatsRecorder;
}

/** Opens what a client's family shares: the transport (connection pool), the store, the retry budget and the stats. */
export function openShared(options: ClientOptions): Shared {
  const clock = options.clock ?? systemClock;
  const { transport, owns } = resolveTransport(options.transport);
  const store = options.store ?? memoryStore({ clock });
  const budget = sharedBudget(options.retry as RetryOptions | false | undefined); // a number was made { attempts } (withRetryObject)
  return { transport, ownsTransport: owns, store, ownsStore: options.store === undefined, clock, budget, stats: new StatsRecorder(clock) };
}

/** Closes the transport and the store the client opened itself (not ones passed in). */
export async function closeShared(shared: Shared): Promise<void> {
  if (shared.ownsTransport) await shared.transport.close();
  if (shared.ownsStore) await shared.store.close();
}

function resolveTransport(t: ClientOptions["transport"]): { transport: Transport; owns: boolean } {
  if (t !== undefined && typeof (t as Transport).send === "function") return { transport: t as Transport, owns: false };
  if (t !== undefined && (typeof t !== "object" || t === null)) throw new ConfigError("transport", "must be a Transport or undici transport options");
  return { transport: undiciTransport(t as Parameters<typeof undiciTransport>[0]), owns: true };
}

/** The one retry budget all calls of a client (and its extensions) draw from. */
function sharedBudget(r: RetryOptions | false | undefined): RetryBudget | undefined {
  if (r === false || r?.budget === false) return undefined;
  const b = r?.budget;
  if (b !== undefined && "tryAcquire" in b) return b;
  return retryBudget(b ?? {});
}
