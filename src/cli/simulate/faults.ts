import type { Reply, SimulatorHook } from "../../testing/index.js";

/** A small seeded PRNG (mulberry32): the same seed injects the same faults in the same order. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The faults `--fault-rate` draws from, each as likely as the others. */
export const FAULTS: ReadonlyArray<{ name: string; reply: Reply }> = [
  { name: "503", reply: { status: 503, json: { error: "service_unavailable", message: "injected fault" } } },
  { name: "500", reply: { status: 500, json: { error: "internal_error", message: "injected fault" } } },
  { name: "429", reply: { status: 429, headers: { "retry-after": "1" }, json: { error: "rate_limited", message: "injected fault" } } },
  { name: "reset", reply: { fault: "reset" } },
];

export interface ChaosOptions {
  /** Share of requests answered with a fault instead (0 to 1). */
  faultRate: number;
  /** Added to every answer, in ms. */
  latencyMs: number;
  seed: number;
  /** Called for each injected fault. */
  onFault?: (name: string, method: string, path: string) => void;
}

/** A simulator hook that delays every request and answers a share of them with a fault. */
export function chaosHook(options: ChaosOptions): SimulatorHook {
  const random = seededRandom(options.seed);
  return async (req) => {
    if (options.latencyMs > 0) await new Promise((r) => setTimeout(r, options.latencyMs));
    if (options.faultRate <= 0 || random() >= options.faultRate) return undefined;
    const fault = FAULTS[Math.floor(random() * FAULTS.length)] as (typeof FAULTS)[number];
    options.onFault?.(fault.name, req.method, req.path);
    return fault.reply;
  };
}
