import type { Clock } from "../../clock.js";
import { ConfigError } from "../../errors.js";
import type { BreakerConfig, BreakerStateName, Store } from "../../stores/types.js";
import type { ApiRequest } from "../../types.js";
import { type Duration, toMillis } from "../../util/duration.js";
import { durationOption, integerOption, numberOption } from "../../util/options.js";
import type { Outcome } from "./failure.js";

/** A breaker's move from one state to another, as `onStateChange` and the `ballast:circuit:state` channel get it. */
export interface CircuitBreakerStateChange {
  key: string;
  from: BreakerStateName;
  to: BreakerStateName;
  /** When open: when probes will be let through (clock ms). */
  retryAt?: number | undefined;
}

/** @deprecated Use `CircuitBreakerStateChange` (named after `circuitBreaker`, like its options). */
export type CircuitStateChange = CircuitBreakerStateChange;

export interface CircuitBreakerOptions {
  /** Open when failures / requests in the window reach this (0–1, default 0.5); 0 turns the rate rule off. */
  failureRate?: number;
  /** Requests the window must hold before the rate counts (default 20). */
  minimumRequests?: number;
  /** The sliding window: a duration (time-based, default `"30s"`) or `{ requests: N }` (the last N outcomes). */
  window?: Duration | { requests: number };
  /** Also open after this many failures in a row (default off). */
  consecutiveFailures?: number;
  /** How long the breaker stays open before probing (default `"30s"`). */
  halfOpenAfter?: Duration;
  /** Probes let through at once while half-open (default 1). */
  halfOpenProbes?: number;
  /** Successful probes needed to close again (default 1). */
  successesToClose?: number;
  /** What counts as a failure (default: network errors, timeouts and 5xx; never 4xx). */
  isFailure?: (outcome: Outcome) => boolean;
  /** One breaker per `"origin"` (default), per `"route"` (origin + route template), or per key a function returns. */
  key?: "origin" | "route" | ((req: ApiRequest) => string);
  /** Called on every state change this process sees (its own and, with a shared store, other processes'). */
  onStateChange?: (change: CircuitBreakerStateChange) => void;
  /** How old this process's copy of a breaker's shared state may get before it is read again (default `"1s"`). */
  syncInterval?: Duration;
  /** Where breaker state lives (default: a new `memoryStore`); with `redisStore` one process's trip opens every process's breaker. */
  store?: Store;
  clock?: Clock;
}

/** Validates breaker options once and turns them into the store's `BreakerConfig`. */
export function resolveBreakerConfig(o: CircuitBreakerOptions): BreakerConfig {
  if (typeof o !== "object" || o === null) throw new ConfigError("circuitBreaker", "must be an options object");
  const failureRate = o.failureRate ?? 0.5;
  numberOption(failureRate, "circuitBreaker.failureRate", 0, 1);
  const consecutiveFailures = integerOption(o.consecutiveFailures ?? 0, "circuitBreaker.consecutiveFailures", 0);
  if (failureRate === 0 && consecutiveFailures === 0)
    throw new ConfigError("circuitBreaker", "needs failureRate > 0 or consecutiveFailures > 0, else it never opens");
  const w = o.window ?? "30s";
  const window: BreakerConfig["window"] =
    typeof w === "object" && w !== null
      ? { kind: "count", size: integerOption(w.requests, "circuitBreaker.window.requests") }
      : { kind: "time", ms: durationOption(w, "circuitBreaker.window") };
  const openMs = toMillis(o.halfOpenAfter ?? "30s", "circuitBreaker.halfOpenAfter");
  if (o.isFailure !== undefined && typeof o.isFailure !== "function") throw new ConfigError("circuitBreaker.isFailure", "must be a function");
  if (o.onStateChange !== undefined && typeof o.onStateChange !== "function") throw new ConfigError("circuitBreaker.onStateChange", "must be a function");
  const key = o.key;
  if (key !== undefined && key !== "origin" && key !== "route" && typeof key !== "function") {
    throw new ConfigError("circuitBreaker.key", `must be "origin", "route" or a function (req) => string`);
  }
  return {
    window,
    failureRate,
    minimumRequests: integerOption(o.minimumRequests ?? 20, "circuitBreaker.minimumRequests"),
    consecutiveFailures,
    openMs,
    halfOpenProbes: integerOption(o.halfOpenProbes ?? 1, "circuitBreaker.halfOpenProbes"),
    successesToClose: integerOption(o.successesToClose ?? 1, "circuitBreaker.successesToClose"),
  };
}
