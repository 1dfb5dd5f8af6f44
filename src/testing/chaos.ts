import { ConfigError } from "../errors.js";
import { injectedReply } from "./inject.js";
import { compilePathTemplate, type PathMatcher } from "./path-template.js";
import type { EncodedReply } from "./reply.js";
import type { Reply, SimRequest } from "./types.js";

/** A fault chaos mode can give a request. */
export type ChaosFault =
  /** The connection is reset before any byte of the answer; the route does not run. */
  | "reset"
  /** A 500 in the API's error shape (`errorReply`); the route does not run. */
  | "500"
  /** A 503 in the API's error shape; the route does not run. Not among the default faults. */
  | "503"
  /** A 429 with `Retry-After`; the route does not run. */
  | "429"
  /** The request is accepted and never answered (until `sim.close()`); the route does not run. */
  | "stall"
  /** The route runs (its effect happens), then its answer is cut off mid-body. */
  | "truncate";

/** Every fault chaos mode knows. */
export const CHAOS_FAULTS: readonly ChaosFault[] = ["reset", "500", "503", "429", "stall", "truncate"];
/** The faults drawn from when `faults` is not given. */
const DEFAULT_FAULTS: readonly ChaosFault[] = ["reset", "500", "429", "stall", "truncate"];

export interface ChaosOptions {
  /** The share of requests that get a fault, from 0 to 1 (`0.1`: one in ten). */
  rate: number;
  /** The faults to draw from, each equally likely. Default: `reset`, `500`, `429`, `stall`, `truncate`. */
  faults?: readonly ChaosFault[];
  /**
   * The same seed and the same order of arrival give the same faults. Default: a random seed, readable as
   * `sim.chaos.seed` to replay a failing run.
   */
  seed?: number;
  /** `Retry-After` of a chaos 429, in seconds. Default 1. */
  retryAfter?: number;
  /** Only requests with this method (default: any). */
  method?: string;
  /** Only requests whose path matches this template (default: any). */
  path?: string;
  /** Called for each fault given, as it is decided (to log it). Errors thrown here are ignored. */
  onFault?: (fault: ChaosFault, req: SimRequest) => void;
}

/** What chaos mode has done so far. */
export interface ChaosStats {
  /** The seed in use (the one given, or the random one chosen). */
  readonly seed: number;
  /** Requests chaos looked at (those matching `method` and `path`). */
  readonly seen: number;
  /** Faults given, by kind. */
  readonly faults: Readonly<Record<ChaosFault, number>>;
}

/** A chaos decision: answer with `reply` instead of the route, or let the route run and cut its answer short. */
export type ChaosDecision = { stage: "before"; reply: EncodedReply } | { stage: "after"; fault: "truncate" };

/** Draws a fault for some requests, at `rate`, from a seeded generator. */
export class Chaos implements ChaosStats {
  readonly seed: number;
  readonly #rate: number;
  readonly #faults: readonly ChaosFault[];
  readonly #method: string | undefined;
  readonly #path: PathMatcher | undefined;
  readonly #replies: ReadonlyMap<ChaosFault, EncodedReply>;
  readonly #onFault: ChaosOptions["onFault"];
  #random: () => number;
  #seen = 0;
  readonly #counts: Record<ChaosFault, number> = zeroCounts();

  constructor(options: ChaosOptions, errorReply: ((status: number) => Reply) | undefined) {
    if (options === null || typeof options !== "object") throw new ConfigError("chaos", "must be an object: { rate, faults?, seed? }");
    const { rate } = options;
    if (typeof rate !== "number" || !(rate >= 0 && rate <= 1)) throw new ConfigError("chaos.rate", `must be a number from 0 to 1; got ${String(rate)}`);
    const faults = options.faults ?? DEFAULT_FAULTS;
    if (!Array.isArray(faults) || faults.length === 0) throw new ConfigError("chaos.faults", `must be a non-empty list of ${CHAOS_FAULTS.join(", ")}`);
    for (const fault of faults) {
      if (!CHAOS_FAULTS.includes(fault)) throw new ConfigError("chaos.faults", `must hold only ${CHAOS_FAULTS.join(", ")}; got ${JSON.stringify(fault)}`);
    }
    const seed = options.seed ?? Math.floor(Math.random() * 2 ** 32);
    if (options.onFault !== undefined && typeof options.onFault !== "function") throw new ConfigError("chaos.onFault", "must be a function");
    if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) throw new ConfigError("chaos.seed", `must be an integer from 0 to 2^32 - 1; got ${seed}`);
    const retryAfter = options.retryAfter ?? 1;
    if (typeof retryAfter !== "number" || !Number.isInteger(retryAfter) || retryAfter < 0)
      throw new ConfigError("chaos.retryAfter", `must be a whole number of seconds >= 0; got ${String(retryAfter)}`);
    this.seed = seed;
    this.#rate = rate;
    this.#faults = [...new Set(faults)];
    this.#method = options.method?.toUpperCase();
    this.#path = options.path === undefined ? undefined : compilePathTemplate(options.path);
    this.#random = seededRandom(seed);
    this.#onFault = options.onFault;
    const tooMany = injectedReply(429, errorReply);
    this.#replies = new Map<ChaosFault, EncodedReply>([
      ["reset", injectedReply({ fault: "reset" }, undefined)],
      ["stall", injectedReply({ fault: "stall" }, undefined)],
      ["500", injectedReply(500, errorReply)],
      ["503", injectedReply(503, errorReply)],
      ["429", { ...tooMany, headers: { ...tooMany.headers, "retry-after": String(retryAfter) } }],
    ]);
  }

  get seen(): number {
    return this.#seen;
  }

  get faults(): Readonly<Record<ChaosFault, number>> {
    return { ...this.#counts };
  }

  /** The fault for this request, if it gets one. One or two draws per matching request, in order of arrival. */
  decide(req: SimRequest): ChaosDecision | undefined {
    if (this.#method !== undefined && this.#method !== req.method) return undefined;
    if (this.#path !== undefined && !this.#path(req.path)) return undefined;
    this.#seen++;
    if (this.#random() >= this.#rate) return undefined;
    const fault = this.#faults[Math.floor(this.#random() * this.#faults.length)]!;
    this.#counts[fault]++;
    try {
      this.#onFault?.(fault, req);
    } catch {}
    if (fault === "truncate") return { stage: "after", fault };
    return { stage: "before", reply: this.#replies.get(fault)! };
  }

  /** Zeroes the counts and restarts the sequence from the seed. */
  reset(): void {
    this.#seen = 0;
    Object.assign(this.#counts, zeroCounts());
    this.#random = seededRandom(this.seed);
  }
}

function zeroCounts(): Record<ChaosFault, number> {
  return { reset: 0, "500": 0, "503": 0, "429": 0, stall: 0, truncate: 0 };
}

/** mulberry32: a small, fast seeded 32-bit generator of numbers in [0, 1); good enough to spread faults, not for secrets. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}
