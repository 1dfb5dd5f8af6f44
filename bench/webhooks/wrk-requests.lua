-- wrk script for the webhook receiver benchmark: sends each request of a file
-- once, in order. The file (BALLAST_WRK_REQUESTS) holds complete raw HTTP/1.1
-- requests separated by NUL bytes: unique signed events, so every 2xx is a
-- new event stored. Prints one JSON line when done.
--
-- BALLAST_WRK_RATE (requests per second, optional) paces the load: every send
-- takes the next slot of a fixed schedule (1/rate apart, on the monotonic
-- clock), so the offered rate stays fixed while the receiver keeps up and
-- latency is service time, not the queue a saturating closed loop builds. A
-- send that finds no connection free at its slot goes late; the script
-- counts those (late, maxLateMs): wrk times a request from its actual send.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  -- Read in the thread's own Lua state only (the main state needs none of it).
  local f = assert(io.open(os.getenv("BALLAST_WRK_REQUESTS"), "rb"))
  local data = f:read("*a")
  f:close()
  reqs = {}
  for r in string.gmatch(data, "([^%z]+)") do
    reqs[#reqs + 1] = r
  end
  data = nil
  i = 0
  wrapped = 0
end

local rate = tonumber(os.getenv("BALLAST_WRK_RATE") or "")
if rate then
  local ffi = require("ffi")
  ffi.cdef([[
    typedef struct { long tv_sec; long tv_nsec; } ballast_timespec;
    int clock_gettime(int clock, ballast_timespec *ts);
  ]])
  local ts = ffi.new("ballast_timespec")
  local CLOCK_MONOTONIC = 1
  local function nowMs()
    ffi.C.clock_gettime(CLOCK_MONOTONIC, ts)
    return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
  end
  local interval = 1000 / rate
  local nextAt = nil
  late = 0
  maxLateMs = 0

  -- Called by wrk before each send of a connection; returns the wait in whole ms.
  function delay()
    local now = nowMs()
    nextAt = nextAt or now
    local wait = nextAt - now
    nextAt = nextAt + interval
    if wait < -1 then
      late = late + 1
      if -wait > maxLateMs then
        maxLateMs = -wait
      end
    end
    if wait <= 0 then
      return 0
    end
    return math.floor(wait + 0.5)
  end
end

function request()
  i = i + 1
  if i > #reqs then
    -- Out of unique events: the rest would be duplicates (also answered 200).
    i = 1
    wrapped = wrapped + 1
  end
  return reqs[i]
end

function done(summary, latency, requests)
  local wraps, lateSends, lateMs = 0, 0, 0
  for _, t in ipairs(threads) do
    wraps = wraps + (t:get("wrapped") or 0)
    lateSends = lateSends + (t:get("late") or 0)
    lateMs = math.max(lateMs, t:get("maxLateMs") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"durationUs":%d,"non2xx":%d,"socketErrors":%d,"p50Us":%d,"p99Us":%d,"wrapped":%d,"late":%d,"maxLateMs":%.1f}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99), wraps, lateSends, lateMs))
end
