/**
 * The Lua scripts behind `redisStore`. Each is one atomic step, sent with
 * EVALSHA (one round trip). Time is the Redis server's `TIME` in microseconds,
 * so every process of a fleet uses the same clock; numbers are written with
 * `%d` because Lua's default formatting would round 16-digit microsecond
 * timestamps. Durations come in and go out as microseconds, relative to now.
 */

const NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local function fmt(x) return string.format('%d', x) end`;

/**
 * Extends the pause of rate-limit key KEYS[1] to now + ARGV[1] µs (never
 * shortens it). The state layout is described in redis-rate-script.ts; the
 * pause goes first and the other entries keep their order, so the acquire
 * script still reads the state with its one anchored match.
 */
export const RATE_PAUSE = `${NOW}
local untilT = now + tonumber(ARGV[1])
local cur = redis.call('GET', KEYS[1]) or ''
local rest, longest = {}, untilT - now
for k, v in string.gmatch(cur, '([^;=]+)=(%d+)') do
  local n = tonumber(v)
  if k == 'p' then
    if n >= untilT then return 0 end
  elseif n > now then
    rest[#rest + 1] = ';' .. k .. '=' .. v
    if n - now > longest then longest = n - now end
  end
end
redis.call('SET', KEYS[1], 'p=' .. fmt(untilT) .. table.concat(rest), 'PX', math.ceil(longest / 1000) + 1000)
return 1`;

/**
 * The breaker state machine, a port of src/stores/breaker-machine.ts.
 * KEYS[1] = hash (st, ou, hs, pr, su, cf, w). ARGV: op (state|record|probe|release),
 * success (1/0), probe (1/0), window kind (c|t), window size (count) or µs,
 * failureRate, minimumRequests, consecutiveFailures, openµs, halfOpenProbes,
 * successesToClose. Returns {state (0 closed, 1 open, 2 half-open), retryIn µs
 * (until a probe may go), total, failures, consecutive, allowed}.
 */
export const BREAKER = `${NOW}
local op, success, isProbe = ARGV[1], ARGV[2] == '1', ARGV[3] == '1'
local kind, wsize = ARGV[4], tonumber(ARGV[5])
local rate, minimum, consecutiveMax = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local openFor, maxProbes, toClose = tonumber(ARGV[9]), tonumber(ARGV[10]), tonumber(ARGV[11])
local BUCKETS = 10
local h = redis.call('HMGET', KEYS[1], 'st', 'ou', 'hs', 'pr', 'su', 'cf', 'w')
local st, ou, hs = h[1] or 'closed', tonumber(h[2]) or 0, tonumber(h[3]) or 0
local pr, su, cf, w = tonumber(h[4]) or 0, tonumber(h[5]) or 0, tonumber(h[6]) or 0, h[7] or ''

local function counts()
  local total, failures = 0, 0
  if kind == 'c' then
    total = #w
    for _ in string.gmatch(w, '1') do failures = failures + 1 end
    return total, failures
  end
  local width = wsize / BUCKETS
  local current = math.floor(now / width)
  local kept = {}
  for idx, tot, fail in string.gmatch(w, '(%d+):(%d+):(%d+)') do
    if tonumber(idx) > current - BUCKETS then
      total = total + tonumber(tot)
      failures = failures + tonumber(fail)
      kept[#kept + 1] = idx .. ':' .. tot .. ':' .. fail
    end
  end
  w = table.concat(kept, ',')
  return total, failures
end

local function add(failure)
  if kind == 'c' then
    w = w .. (failure and '1' or '0')
    if #w > wsize then w = string.sub(w, #w - wsize + 1) end
    return
  end
  local idx = fmt(math.floor(now / (wsize / BUCKETS)))
  local found = false
  w = string.gsub(w, '(%d+):(%d+):(%d+)', function(i, tot, fail)
    if i ~= idx then return nil end
    found = true
    return i .. ':' .. (tonumber(tot) + 1) .. ':' .. (tonumber(fail) + (failure and 1 or 0))
  end)
  if not found then
    if w ~= '' then w = w .. ',' end
    w = w .. idx .. ':1:' .. (failure and '1' or '0')
  end
end

local function open()
  st, ou, pr, su, cf, w = 'open', now + openFor, 0, 0, 0, ''
end

local function settle()
  if st == 'open' and now >= ou then
    st, hs, pr, su = 'half-open', now, 0, 0
  elseif st == 'half-open' and pr > 0 and now - hs >= openFor then
    pr, hs = 0, now
  end
end

settle()
local allowed = 1
if op == 'record' then
  if st == 'half-open' then
    if isProbe then
      if pr > 0 then pr = pr - 1 end
      if not success then open()
      else
        su = su + 1
        if su >= toClose then st, pr, su, cf, w = 'closed', 0, 0, 0, '' end
      end
    end
  elseif st == 'closed' then
    if success then cf = 0 else cf = cf + 1 end
    add(not success)
    if consecutiveMax > 0 and cf >= consecutiveMax then open()
    elseif rate > 0 then
      local total, failures = counts()
      if total >= minimum and total > 0 and failures / total >= rate then open() end
    end
  end
elseif op == 'probe' then
  if st == 'open' or (st == 'half-open' and pr >= maxProbes) then allowed = 0
  elseif st == 'half-open' then pr = pr + 1 end
elseif op == 'release' then
  if st == 'half-open' and pr > 0 then pr = pr - 1 end
end

local total, failures = 0, 0
if st == 'closed' then total, failures = counts() end
redis.call('HSET', KEYS[1], 'st', st, 'ou', fmt(ou), 'hs', fmt(hs), 'pr', pr, 'su', su, 'cf', cf, 'w', w)
redis.call('PEXPIRE', KEYS[1], 86400000)
local code = 0
if st == 'open' then code = 1 elseif st == 'half-open' then code = 2 end
local retryIn = 0
if st == 'open' and ou > now then retryIn = ou - now
elseif st == 'half-open' and pr >= maxProbes and hs + openFor > now then retryIn = hs + openFor - now end
return {code, retryIn, total, failures, cf, allowed}`;

/** Semaphore as a sorted set of permit ids scored by lease end. KEYS[1]; ARGV: limit, lease µs, id. */
export const PERMIT_ACQUIRE = `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', fmt(now))
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], fmt(now + tonumber(ARGV[2])), ARGV[3])
local need = math.ceil(tonumber(ARGV[2]) / 1000) + 1000
if redis.call('PTTL', KEYS[1]) < need then redis.call('PEXPIRE', KEYS[1], need) end
return 1`;

/** Extends permit ARGV[2] of KEYS[1] by ARGV[1] µs if its lease has not run out. */
export const PERMIT_RENEW = `${NOW}
local score = tonumber(redis.call('ZSCORE', KEYS[1], ARGV[2]))
if not score or score <= now then
  redis.call('ZREM', KEYS[1], ARGV[2])
  return 0
end
redis.call('ZADD', KEYS[1], fmt(now + tonumber(ARGV[1])), ARGV[2])
local need = math.ceil(tonumber(ARGV[1]) / 1000) + 1000
if redis.call('PTTL', KEYS[1]) < need then redis.call('PEXPIRE', KEYS[1], need) end
return 1`;

/** Lock KEYS[1] with token ARGV[1] for ARGV[2] ms; returns the new fence (INCR of KEYS[2]) or 0. */
export const LOCK_ACQUIRE = `if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return redis.call('INCR', KEYS[2])
end
return 0`;

/** Extends lock KEYS[1] to ARGV[2] ms if still held by token ARGV[1]. */
export const LOCK_EXTEND = `if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0`;

/** Releases lock KEYS[1] if still held by token ARGV[1]. */
export const LOCK_RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;
