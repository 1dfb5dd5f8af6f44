-- wrk script for the webhook receiver benchmark: sends each request of a file
-- once, in order. The file (BALLAST_WRK_REQUESTS) holds complete raw HTTP/1.1
-- requests separated by NUL bytes: unique signed events, so every 2xx is a
-- new event stored. Prints one JSON line when done.
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
  local wraps = 0
  for _, t in ipairs(threads) do
    wraps = wraps + (t:get("wrapped") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"durationUs":%d,"non2xx":%d,"socketErrors":%d,"p50Us":%d,"p99Us":%d,"wrapped":%d}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99), wraps))
end
