import { ConfigError } from "../errors.js";
import type { RateRule } from "./types.js";

/**
 * Compiles one set of rate rules into GCRA Lua scripts for `redisStore`: the
 * rules' intervals and tolerances become constants and the per-rule steps are
 * written out, so an acquire sends only the key and the reservation horizon
 * and the script does no argument parsing. That keeps a script with several
 * limits and the pause state about as cheap for Redis as a minimal
 * single-limit GCRA (see bench/RESULTS.md).
 *
 * The state of a key is one string, `p=<paused until>;<rule id>=<TAT>;...`
 * (server-clock µs), read with GET and written with SET PX. A state these
 * scripts wrote themselves is read with one anchored `string.match`; any
 * other layout (entries of another limiter sharing the key, a pause written
 * by `RATE_PAUSE`, an older version) is parsed entry by entry, and the
 * entries of rules the script does not know are kept while they are in the
 * future.
 */
export interface RateScripts {
  /**
   * One acquire. ARGV[1]: the reservation horizon (µs). Returns the remaining
   * count (an integer) when the request may go now and the key is not paused,
   * or `{granted, wait µs, remaining, pausedFor µs}` otherwise.
   */
  one: string;
  /**
   * Several acquires of the key, decided in the order of ARGV as if each ran
   * as `one` at the same server time: a grant moves the TATs the next one
   * sees, a refusal changes nothing; one TIME, GET and SET for all. ARGV[i]:
   * the horizon of acquire i. Returns one answer per acquire, each as `one`
   * answers.
   */
  many: string;
}

export function rateAcquireScripts(rules: ReadonlyArray<RateRule>): RateScripts {
  if (rules.length === 0) throw new ConfigError("rateLimit.limits", "needs at least one limit");
  const compiled = rules.map((r, i) => {
    if (!/^[A-Za-z0-9_./:-]+$/.test(r.id)) {
      throw new ConfigError("rateLimit.limits", `rule id ${JSON.stringify(r.id)} may only hold letters, digits and _ . / : -`);
    }
    return {
      id: r.id,
      // Lua patterns escape punctuation with %, which also stands for the character itself.
      pattern: r.id.replace(/[^A-Za-z0-9]/g, "%$&"),
      tat: `a${i + 1}`,
      interval: Math.max(1, Math.ceil(r.interval * 1000)),
      tolerance: Math.max(0, Math.ceil(r.tolerance * 1000)),
    };
  });
  const tats = compiled.map((r) => r.tat).join(", ");
  const lines = (f: (r: (typeof compiled)[number]) => string) => compiled.map(f).join("\n");
  const layout = compiled.map((r) => `;${r.pattern}=(%d+)`).join("");
  const captures = compiled.map((_, i) => `x${i + 1}`).join(", ");
  const indent = (text: string, by: string) => text.replace(/^/gm, by);

  /** Reads the key's state: the pause, each rule's TAT, and the entries of rules not these. */
  const read = `local t = redis.call('TIME')
local now = t[1] * 1000000 + t[2]
local cur = redis.call('GET', KEYS[1])
local pause, ${tats} = 0${", 0".repeat(compiled.length)}
local extra, longest = '', 0
if cur then
  local p, ${captures} = string.match(cur, '^p=(%d+)${layout}$')
  if p then
    pause = tonumber(p)
${lines((r) => `    ${r.tat} = tonumber(x${r.tat.slice(1)})`)}
  else
    local kept = {}
    for k, v in string.gmatch(cur, '([^;=]+)=(%d+)') do
      local n = tonumber(v)
      if k == 'p' then pause = n
${lines((r) => `      elseif k == '${r.id}' then ${r.tat} = n`)}
      elseif n > now then
        kept[#kept + 1] = k .. '=' .. v
        if n - now > longest then longest = n - now end
      end
    end
    if #kept > 0 then extra = ';' .. table.concat(kept, ';') end
  end
end
local pausedFor = 0
if pause > now then pausedFor = pause - now else pause = 0 end`;

  /** When the next request could go (`start`) and how long that is from now (`wait`). */
  const slot = `local start = now
if pause > start then start = pause end
${lines((r) => `if ${r.tat} - ${r.tolerance} > start then start = ${r.tat} - ${r.tolerance} end`)}
local wait = start - now`;

  /** Takes the slot at `start` for every rule; `remaining`: what the tightest rule still allows at once. */
  const take = `local remaining, left = math.huge, 0
${lines(
  (r) => `if ${r.tat} < start then ${r.tat} = start end
${r.tat} = ${r.tat} + ${r.interval}
left = math.floor((now + ${r.tolerance} - ${r.tat}) / ${r.interval}) + 1
if left < remaining then remaining = left end`,
)}
if remaining < 0 then remaining = 0 end`;

  /** Writes the state back, expiring when nothing in it matters any more. */
  const write = `if pausedFor > longest then longest = pausedFor end
${lines((r) => `if ${r.tat} - now > longest then longest = ${r.tat} - now end`)}
redis.call('SET', KEYS[1], string.format('p=%d${compiled.map((r) => `;${r.id}=%d`).join("")}', pause, ${tats}) .. extra, 'PX', math.ceil(longest / 1000) + 1000)`;

  const one = `${read}
${slot}
if wait > tonumber(ARGV[1]) then return {0, wait, 0, pausedFor} end
${take}
${write}
if wait == 0 and pausedFor == 0 then return remaining end
return {1, wait, remaining, pausedFor}`;

  const many = `${read}
local out, granted = {}, false
for i = 1, #ARGV do
${indent(slot, "  ")}
  if wait > tonumber(ARGV[i]) then
    out[i] = {0, wait, 0, pausedFor}
  else
    granted = true
${indent(take, "    ")}
    if wait == 0 and pausedFor == 0 then out[i] = remaining else out[i] = {1, wait, remaining, pausedFor} end
  end
end
if granted then
${indent(write, "  ")}
end
return out`;

  return { one, many };
}
