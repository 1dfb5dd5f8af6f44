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
  /** When the last slot was granted (store clock), so `rateRemaining` can be worked out when asked. */
  grantedAt: number;
}

export function newRateState(rules: ReadonlyArray<RateRule>): RateState {
  return { rules, tats: rules.map(() => Number.NEGATIVE_INFINITY), pauseUntil: 0, grantedAt: Number.NEGATIVE_INFINITY };
}

/** Makes `state.tats` line up with `rules`, keeping the TAT of every rule id both share. */
export function alignRateState(state: RateState, rules: ReadonlyArray<RateRule>): void {
  if (state.rules === rules) return;
  const old = new Map(state.rules.map((r, i) => [r.id, state.tats[i] as number]));
  state.tats = rules.map((r) => old.get(r.id) ?? Number.NEGATIVE_INFINITY);
  state.rules = rules;
}

/**
 * Requests the tightest rule allowed at once right after the state's last
 * grant: the `remaining` of that grant's decision.
 */
export function rateRemaining(state: RateState): number {
  const { rules, tats, grantedAt } = state;
  let remaining = Number.POSITIVE_INFINITY;
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i] as RateRule;
    const left = Math.floor((grantedAt + rule.tolerance - (tats[i] as number)) / rule.interval + 1e-9) + 1;
    if (left < remaining) remaining = left;
  }
  return Math.max(remaining, 0);
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
  for (let i = 0; i < rules.length; i++) tats[i] = Math.max(tats[i] as number, start) + (rules[i] as RateRule).interval;
  state.grantedAt = now;
  return { granted: true, wait, remaining: rateRemaining(state), pausedFor };
}

/**
 * `decideRate` for the common case only, compiled for one set of rules: when
 * the request may go at `now` (no rule and no pause holds it back) it takes
 * the slot and returns true; otherwise it changes nothing and returns false.
 * It builds no decision object and leaves `remaining` to `rateRemaining`, and
 * one or two rules (most limiters) are written out instead of looped over:
 * the in-process limiter's acquire then costs about what a bare GCRA does.
 */
export function compileGrantNow(rules: ReadonlyArray<RateRule>): (state: RateState, now: number) => boolean {
  const [a, b] = rules;
  if (rules.length === 1 && a !== undefined) {
    const ia = a.interval;
    const ta = a.tolerance;
    return (state, now) => {
      const tats = state.tats;
      const x = tats[0] as number;
      if (state.pauseUntil > now || x - ta > now) return false;
      tats[0] = Math.max(x, now) + ia;
      state.grantedAt = now;
      return true;
    };
  }
  if (rules.length === 2 && a !== undefined && b !== undefined) {
    const ia = a.interval;
    const ta = a.tolerance;
    const ib = b.interval;
    const tb = b.tolerance;
    return (state, now) => {
      const tats = state.tats;
      const x = tats[0] as number;
      const y = tats[1] as number;
      if (state.pauseUntil > now || x - ta > now || y - tb > now) return false;
      tats[0] = Math.max(x, now) + ia;
      tats[1] = Math.max(y, now) + ib;
      state.grantedAt = now;
      return true;
    };
  }
  return (state, now) => {
    const tats = state.tats;
    if (state.pauseUntil > now) return false;
    for (let i = 0; i < rules.length; i++) if ((tats[i] as number) - (rules[i] as RateRule).tolerance > now) return false;
    for (let i = 0; i < rules.length; i++) tats[i] = Math.max(tats[i] as number, now) + (rules[i] as RateRule).interval;
    state.grantedAt = now;
    return true;
  };
}

/** True when the state holds nothing that still matters at `now` (safe to forget). */
export function rateStateIdle(state: RateState, now: number): boolean {
  if (state.pauseUntil > now) return false;
  for (const tat of state.tats) if (tat > now) return false;
  return true;
}
