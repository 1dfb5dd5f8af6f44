import { ConfigError } from "../errors.js";
import { type Duration, toMillis } from "../util/duration.js";
import { WebhookVerificationError } from "./errors.js";

/** A replay window given by the user: a positive duration in ms. */
export function replayWindow(value: Duration, option: string): number {
  const ms = toMillis(value, option);
  if (ms <= 0) throw new ConfigError(option, `must be a positive duration such as "5m" (false disables the replay window); got ${JSON.stringify(value)}`);
  return ms;
}

/** Throws `timestamp_out_of_tolerance` when `timestampMs` is further than `toleranceMs` from `now` (either side). */
export function checkTimestamp(scheme: string, timestampMs: number, now: number, toleranceMs: number): void {
  if (toleranceMs > 0 && Math.abs(now - timestampMs) > toleranceMs) {
    const age = Math.round((now - timestampMs) / 1000);
    throw new WebhookVerificationError(
      scheme,
      "timestamp_out_of_tolerance",
      `signed timestamp is ${Math.abs(age)} s ${age >= 0 ? "old" : "in the future"}; the window is ${toleranceMs / 1000} s (replayed or delayed delivery, or a wrong clock)`,
    );
  }
}

/** Parses a decimal integer of seconds (1–12 digits) to ms; undefined when it is not one. */
export function parseSeconds(text: string | undefined): number | undefined {
  if (text === undefined || text.length === 0 || text.length > 12) return undefined;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return undefined;
    n = n * 10 + c;
  }
  return n * 1000;
}
