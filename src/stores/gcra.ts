import type { RateDecision, RateRule } from "./types.js";

/**
 * The GCRA state of one key: a theoretical arrival time per rule and a pause
 * set from a server signal. Memory-store form of what the Redis script keeps
 * in one hash.
 */
export interface RateState {
  /** The rules `tats` is indexed by (re-mapped by id when a caller passes other rules). */
  rules: ReadonlyArray<RateRule>;
  tats: number[];
  pauseUntil: number;
}

export function newRateState(rules: ReadonlyArray<RateRule>): RateState {
  return { rules, tats: rules.map(() => Number.NEGATIVE_INFINITY), pauseUntil: 0 };
}

/** Makes `state.tats` line up with `rules`, keeping the TAT of every rule id both share. */
export function alignRateState(state: RateState, rules: ReadonlyArray<RateRule>): void {
  if (state.rules === rules) return;
  const old = new Map(state.rules.map((r, i) => [r.id, state.tats[i] as number]));
  state.tats = rules.map((r) => old.get(r.id) ?? Number.NEGATIVE_INFINITY);
  state.rules = rules;
}

/**
 * One GCRA decision over every rule at once. The request may go at the first
 * instant no rule and no pause forbids (`start`); if that is within
 * `maxReserve` ms the slot is taken for every rule (TAT = max(TAT, start) +
 * interval), so waiting callers are served in the order they reserved.
 */
export function decideRate(state: RateState, now: number, maxReserve: number): RateDecision {
  const { rules, tats } = state;
  let start = Math.max(state.pauseUntil, now);
  for (let i = 0; i < rules.length; i++) {
    const allowAt = (tats[i] as number) - (rules[i] as RateRule).tolerance;
    if (allowAt > start) start = allowAt;
  }
  const wait = start - now;
  const pausedFor = state.pauseUntil > now ? state.pauseUntil - now : 0;
  if (wait > maxReserve) return { granted: false, wait, remaining: 0, pausedFor };
  let remaining = Number.POSITIVE_INFINITY;
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i] as RateRule;
    const tat = tats[i] as number;
    const next = Math.max(tat, start) + rule.interval;
    tats[i] = next;
    const left = Math.floor((now + rule.tolerance - next) / rule.interval + 1e-9) + 1;
    if (left < remaining) remaining = left;
  }
  return { granted: true, wait, remaining: Math.max(remaining, 0), pausedFor };
}

/** True when the state holds nothing that still matters at `now` (safe to forget). */
export function rateStateIdle(state: RateState, now: number): boolean {
  if (state.pauseUntil > now) return false;
  for (const tat of state.tats) if (tat > now) return false;
  return true;
}
