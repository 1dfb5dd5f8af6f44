import type { ResponseHeaders } from "../../types.js";
import { first, number, resetIn } from "./header-values.js";
import { type BareItem, type Member, parseMembers } from "./structured-list.js";

/** One quota policy a server advertises in `RateLimit-Policy`. */
export interface QuotaPolicy {
  /** The policy's name (draft 8+: `"default";q=100;w=60`); undefined in the older unnamed form (`100;w=60`). */
  policy: string | undefined;
  /** Quota units per window (`q`, or the older form's leading number). */
  quota: number | undefined;
  /** The window, in ms (`w` seconds). */
  windowMs: number | undefined;
  /** What the quota counts (`qu`): `"requests"` unless the server says otherwise. */
  unit: string;
}

/** What the server said is left of a policy, from `RateLimit` or `RateLimit-Limit/-Remaining/-Reset`. */
export interface ServiceLimit {
  policy: string | undefined;
  /** The older forms' limit (`limit=`, `RateLimit-Limit`), used to find their unnamed policy. */
  limit: number | undefined;
  remaining: number | undefined;
  /** When (clock ms) the quota resets. */
  resetAt: number | undefined;
}

/** A policy and its state, as `stats()` shows it. */
export interface ServerQuota extends QuotaPolicy {
  /** Units left, as of the last response that said. */
  remaining: number | undefined;
  /** When (clock ms) the server said the quota resets. */
  resetAt: number | undefined;
}

/** The IETF rate-limit fields of one response; undefined for a field it did not carry. */
export interface IetfFields {
  policies: QuotaPolicy[] | undefined;
  limits: ServiceLimit[] | undefined;
}

const NONE: IetfFields = { policies: undefined, limits: undefined };

const int = (v: BareItem | undefined): number | undefined => (typeof v === "number" && v >= 0 ? v : undefined);

function policyOf(m: Member): QuotaPolicy | undefined {
  if (m.key !== undefined) return undefined;
  const unit = m.params.get("qu");
  const w = int(m.params.get("w"));
  const named = typeof m.item === "string";
  const quota = named ? int(m.params.get("q")) : int(m.item);
  if (quota === undefined) return undefined;
  return {
    policy: named ? (m.item as string) : undefined,
    quota,
    windowMs: w === undefined ? undefined : w * 1000,
    unit: typeof unit === "string" ? unit : "requests",
  };
}

/** `"default";r=0;t=30, "daily";r=50` (draft 8+) or `limit=100, remaining=0, reset=30` (draft 7). `at` turns a reset value into a time. */
function limitsOf(members: Member[], at: (reset: number | undefined) => number | undefined): ServiceLimit[] {
  const dictionary = members.filter((m) => m.key !== undefined);
  if (dictionary.length > 0) {
    const get = (k: string) => int(dictionary.find((m) => m.key === k)?.item);
    return [{ policy: undefined, limit: get("limit"), remaining: get("remaining"), resetAt: at(get("reset")) }];
  }
  return members
    .filter((m) => typeof m.item === "string" && m.params.has("r"))
    .map((m) => ({ policy: m.item as string, limit: undefined, remaining: int(m.params.get("r")), resetAt: at(int(m.params.get("t"))) }));
}

/**
 * Reads the IETF rate-limit fields (draft-ietf-httpapi-ratelimit-headers):
 * `RateLimit-Policy` in the draft 8+ form (`"default";q=100;w=60`) and the
 * older one (`100;w=60`); `RateLimit` in the draft 8+ form
 * (`"default";r=0;t=30`) and draft 7's (`limit=100, remaining=0, reset=30`);
 * and the separate `RateLimit-Limit`, `-Remaining`, `-Reset` fields of drafts
 * up to 6. Resets are delta seconds (an epoch value is understood too).
 */
export function readIetfFields(headers: ResponseHeaders, now: number): IetfFields {
  const policyField = headers["ratelimit-policy"];
  const limitField = headers.ratelimit;
  const remaining = number(first(headers, "ratelimit-remaining"));
  if (policyField === undefined && limitField === undefined && remaining === undefined) return NONE;
  const policies = policyField === undefined ? undefined : parseMembers(policyField).flatMap((m) => policyOf(m) ?? []);
  const at = (reset: number | undefined) => (reset === undefined ? undefined : now + resetIn(reset, headers, now));
  const limits = limitField === undefined ? [] : limitsOf(parseMembers(limitField), at);
  if (remaining !== undefined) {
    const limit = parseMembers(first(headers, "ratelimit-limit") ?? "")[0]?.item;
    limits.push({ policy: undefined, limit: int(limit), remaining, resetAt: at(number(first(headers, "ratelimit-reset"))) });
  }
  return { policies, limits: limitField === undefined && remaining === undefined ? undefined : limits };
}

/**
 * Each policy with what the server said is left of it: a named limit goes
 * with the policy of that name; an unnamed one (older forms) with the unnamed
 * policy of its limit, or the only unnamed policy. A limit without a policy
 * is shown on its own.
 */
export function joinQuota(policies: ReadonlyArray<QuotaPolicy>, limits: ReadonlyArray<ServiceLimit>): ServerQuota[] {
  const out: ServerQuota[] = policies.map((p) => ({ ...p, remaining: undefined, resetAt: undefined }));
  const unnamed = out.filter((q) => q.policy === undefined);
  for (const l of limits) {
    let target =
      l.policy === undefined
        ? (unnamed.find((q) => q.quota === l.limit) ?? (unnamed.length === 1 && l.limit === undefined ? unnamed[0] : undefined))
        : out.find((q) => q.policy === l.policy);
    if (target === undefined) {
      target = { policy: l.policy, quota: l.limit, windowMs: undefined, unit: "requests", remaining: undefined, resetAt: undefined };
      out.push(target);
    }
    target.remaining = l.remaining;
    target.resetAt = l.resetAt;
  }
  return out;
}

/**
 * Whether this client's own limits already keep to a server quota of `limit`
 * requests (per `windowMs` when the server names its window): then a
 * "nothing left" whose reset is rounded up to whole seconds needs no pause
 * beyond the earliest that reset can be, since the spacing keeps to the pace.
 */
export type PacedWithin = (limit: number | undefined, windowMs: number | undefined) => boolean;

/**
 * How long the IETF fields say to stop, in ms: for a policy with nothing
 * left, until its reset, or — when the server gives no reset — for the
 * policy's window (the quota is back within a window at the latest). The
 * fields carry whole delta seconds, so when `paced` says this client's limits
 * keep to the policy's quota the pause ends at the earliest the quota can be
 * back: a second before the reset, or at once when no reset is given.
 */
export function spentFor(quota: ReadonlyArray<ServerQuota>, now: number, paced?: PacedWithin): number | undefined {
  let pause: number | undefined;
  for (const q of quota) {
    if (q.remaining !== 0) continue;
    let ms = q.resetAt !== undefined ? q.resetAt - now : q.windowMs;
    if (ms !== undefined && paced?.(q.quota, q.windowMs)) ms = q.resetAt !== undefined ? ms - 1000 : 0;
    if (ms !== undefined && ms > 0) pause = Math.max(pause ?? 0, ms);
  }
  return pause;
}
