-- wrk script for `make bench`: POSTs sign-ins to /account/login and tallies the answers by HTTP status.
--
-- Settings come from the environment (run.sh sets them):
--   BENCH_CSRF_COOKIE  value of the steward_csrf cookie (from a GET of /account/login)
--   BENCH_CSRF_TOKEN   the form's csrf field for that cookie
--   BENCH_EMAIL, BENCH_PASSWORD  a registered member
--
-- Run it with as many threads as connections (-tN -cN): each wrk thread then drives one connection, so the time
-- between request() and response() in a thread is exactly that request's latency, which gives a latency per status
-- (wrk's own latency figures mix the quick 429 refusals with the slow sign-ins).
--
-- done() prints one line per status:
--   status=303 count=N per_second=R p50_ms=… p90_ms=… p99_ms=… max_ms=…

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
  int clock_gettime(int clock_id, bench_timespec *tp);
]]
local now_ts = ffi.new("bench_timespec")

local function now_ms()
  ffi.C.clock_gettime(1, now_ts) -- CLOCK_MONOTONIC
  return tonumber(now_ts.tv_sec) * 1000 + tonumber(now_ts.tv_nsec) / 1e6
end

local function urlencode(text)
  return (text:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

local function setting(name)
  local value = os.getenv(name)
  if value == nil or value == "" then
    io.stderr:write("login.lua: " .. name .. " is not set\n")
    os.exit(2)
  end
  return value
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  local body = "email=" .. urlencode(setting("BENCH_EMAIL"))
    .. "&password=" .. urlencode(setting("BENCH_PASSWORD"))
    .. "&csrf=" .. urlencode(setting("BENCH_CSRF_TOKEN"))
  prepared = wrk.format("POST", "/account/login", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = "steward_csrf=" .. setting("BENCH_CSRF_COOKIE"),
  }, body)
  -- One entry per answer, in two flat arrays: wrk's thread:get() cannot copy nested tables (it crashes).
  statuses, latencies, answers = {}, {}, 0
  sent_at = nil
end

function request()
  sent_at = now_ms()
  return prepared
end

function response(status, headers, body)
  answers = answers + 1
  statuses[answers] = status
  latencies[answers] = sent_at and (now_ms() - sent_at) or 0
  sent_at = nil
end

local function percentile(sorted, p)
  if #sorted == 0 then return 0 end
  local index = math.ceil(p / 100 * #sorted)
  if index < 1 then index = 1 end
  return sorted[index]
end

function done(summary, latency, requests)
  local merged = {}
  for _, thread in ipairs(threads) do
    local codes, times = thread:get("statuses"), thread:get("latencies")
    for i = 1, thread:get("answers") do
      local key = tostring(codes[i])
      local into = merged[key] or {}
      into[#into + 1] = times[i]
      merged[key] = into
    end
  end
  local seconds = summary.duration / 1e6
  local statuses = {}
  for status in pairs(merged) do statuses[#statuses + 1] = status end
  table.sort(statuses)
  for _, status in ipairs(statuses) do
    local list = merged[status]
    table.sort(list)
    io.write(string.format(
      "status=%s count=%d per_second=%.2f p50_ms=%.1f p90_ms=%.1f p99_ms=%.1f max_ms=%.1f\n",
      status, #list, #list / seconds, percentile(list, 50), percentile(list, 90), percentile(list, 99),
      list[#list]))
  end
  io.write(string.format("seconds=%.2f socket_errors=%d timeouts=%d\n", seconds,
    summary.errors.connect + summary.errors.read + summary.errors.write, summary.errors.timeout))
end
