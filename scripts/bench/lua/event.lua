-- wrk script for scripts/bench/analytics.sh: POSTs analytics events to /api/event, as Steward's script sends them
-- (text/plain JSON), over a few dozen pages, referrers and browsers, and tallies the answers by HTTP status.
--
-- Settings come from the environment (analytics.sh sets them):
--   BENCH_EVENT_ORIGIN   the origin of the pages in `u`, e.g. http://127.0.0.1:8080 (Steward accepts only its own
--                        host)
--   BENCH_EVENT_SECONDS  how long to send events; run wrk a little longer (-d): after this, each thread sends only
--                        events for another site, which Steward refuses with 400 without storing anything, so that
--                        every stored event's 202 reaches wrk before it stops (wrk drops answers still on the way)
--
-- done() prints two lines:
--   phase seconds=S answers=N per_second=R status_202=… status_503=… status_other=…
--       (answers received while events were being sent)
--   total status_202=… status_400=… status_503=… status_other=… event_requests=… refused_requests=…
--       socket_errors=… timeouts=…  (every answer of the run; Steward answers the other site's events with 400)

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } bench_event_timespec;
  int clock_gettime(int clock_id, bench_event_timespec *tp);
]]
local now_ts = ffi.new("bench_event_timespec")

-- Seconds on the monotonic clock.
local function now_seconds()
  ffi.C.clock_gettime(1, now_ts) -- CLOCK_MONOTONIC
  return tonumber(now_ts.tv_sec) + tonumber(now_ts.tv_nsec) / 1e9
end

-- The value of an environment variable; stops wrk when it is missing.
local function setting(name)
  local value = os.getenv(name)
  if value == nil or value == "" then
    io.stderr:write("event.lua: " .. name .. " is not set\n")
    os.exit(2)
  end
  return value
end

local paths = {
  "/", "/pricing", "/blog", "/about", "/contact", "/features", "/docs", "/signup",
  "/blog/post-17?utm_source=news&utm_medium=email&utm_campaign=december-digest", "/blog/post-3", "/blog/post-42",
  "/blog/post-8", "/blog/post-121", "/blog/post-64", "/docs/start/1", "/docs/start/2", "/docs/guides/7",
  "/docs/api/3", "/docs/admin/12", "/products/desk", "/products/chat?utm_source=google&utm_medium=cpc",
  "/products/voice", "/customers/story-5", "/customers/story-18", "/careers/engineer", "/tag/privacy",
  "/changelog", "/status", "/newsletter?utm_source=linkedin&utm_medium=social&utm_campaign=launch-post",
  "/search?q=export", "/blog/caf%C3%A9-culture", "/privacy",
}

local referrers = {
  "https://www.google.com/", "https://www.google.de/", "", "", "https://duckduckgo.com/", "https://www.bing.com/",
  "https://news.ycombinator.com/", "https://t.co/xyz123", "https://l.facebook.com/", "https://www.linkedin.com/",
  "https://github.com/steward-example", "android-app://com.google.android.gm", "https://dev.to/someone/post",
}

local agents = {
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36",
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
  "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
  "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.6723.102 Mobile Safari/537.36",
  "Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
  "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-A546B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
  "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1",
  "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1",
  "Mozilla/5.0 (iPad; CPU OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Safari/605.1.15",
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 Edg/130.0.0.0",
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0",
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:133.0) Gecko/20100101 Firefox/133.0",
  "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0",
  "Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0",
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 OPR/114.0.0.0",
  "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
  "Mozilla/5.0 (Windows NT 6.1; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/109.0.0.0 Safari/537.36",
  "Mozilla/5.0 (Linux; Android 13; Pixel 7 Build/TQ3A.230901.001; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/131.0.6778.81 Mobile Safari/537.36",
  "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/489.0.0.39.106;FBBV/658000000;FBDV/iPhone15,2;FBMD/iPhone;FBSN/iOS;FBSV/18.1;FBSS/3;FBID/phone;FBLC/en_GB;FBOP/5]",
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 YaBrowser/24.12.0.0 Safari/537.36",
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Vivaldi/7.0.3495.18",
}

local widths = { 1920, 1536, 1366, 1440, 1280, 390, 412, 375, 393, 820, 768, 2560 }

local links = {
  "https://github.com/steward-example/steward", "https://www.linkedin.com/company/example",
  "https://status.example-cloud.com/", "https://calendly.com/example/demo",
}

local threads = {}

-- Keeps each thread, for done() to read its counters.
function setup(thread)
  table.insert(threads, thread)
  -- Each thread starts at another place in the list.
  thread:set("first_index", #threads * 97)
end

-- One event of each kind's usual share: 7 page views, 2 engagement reports, 1 outbound click or named event.
local function event_json(origin, index)
  local path = paths[index % #paths + 1]
  local url = origin .. path
  local kind = index % 10
  if kind < 7 then
    local referrer = referrers[index % #referrers + 1]
    return string.format('{"t":"pageview","u":"%s","r":"%s","w":%d}', url, referrer, widths[index % #widths + 1])
  elseif kind < 9 then
    return string.format('{"t":"engagement","u":"%s","d":%d}', url, 1000 + (index * 7919) % 240000)
  elseif index % 20 == 9 then
    return string.format('{"t":"outbound","u":"%s","l":"%s"}', url, links[index % #links + 1])
  else
    return string.format('{"t":"event","u":"%s","n":"Signup","p":{"plan":"pro"}}', url)
  end
end

-- A complete POST /api/event request, as a browser's sendBeacon sends it.
local function post(body, agent)
  return wrk.format("POST", "/api/event", {
    ["Content-Type"] = "text/plain;charset=UTF-8",
    ["User-Agent"] = agent,
    ["Accept-Language"] = "en-GB,en;q=0.9",
  }, body)
end

-- Prepares the requests and zeroes the counters of one thread.
function init(args)
  local origin = setting("BENCH_EVENT_ORIGIN")
  event_seconds = tonumber(setting("BENCH_EVENT_SECONDS"))
  -- Every combination would be a lot of strings; 420 requests, stepped through the lists at different strides,
  -- vary every dimension independently enough.
  prepared = {}
  for i = 0, 419 do
    prepared[#prepared + 1] = post(event_json(origin, i), agents[(i * 5) % #agents + 1])
  end
  refused = post('{"t":"pageview","u":"http://elsewhere.invalid/","r":"","w":1280}', agents[1])
  -- Counters are plain numbers (wrk's thread:get() copies them; it cannot copy nested tables).
  next_index = (first_index or 0) % #prepared
  started_at, deadline = nil, nil
  event_requests, refused_requests = 0, 0
  phase_answers, phase_202, phase_503, phase_other = 0, 0, 0, 0
  total_202, total_400, total_503, total_other = 0, 0, 0, 0
end

-- The next event, or a refused one once the thread's BENCH_EVENT_SECONDS are over.
function request()
  local now = now_seconds()
  if started_at == nil then
    started_at = now
    deadline = now + event_seconds
  end
  if now >= deadline then
    refused_requests = refused_requests + 1
    return refused
  end
  event_requests = event_requests + 1
  next_index = (next_index + 1) % #prepared
  return prepared[next_index + 1]
end

-- Counts an answer by status, and whether it arrived while events were being sent.
function response(status, headers, body)
  if deadline ~= nil and now_seconds() < deadline then
    phase_answers = phase_answers + 1
    if status == 202 then
      phase_202 = phase_202 + 1
    elseif status == 503 then
      phase_503 = phase_503 + 1
    else
      phase_other = phase_other + 1
    end
  end
  if status == 202 then
    total_202 = total_202 + 1
  elseif status == 400 then
    total_400 = total_400 + 1
  elseif status == 503 then
    total_503 = total_503 + 1
  else
    total_other = total_other + 1
  end
end

-- Adds up the threads' counters and prints the two lines described at the top.
function done(summary, latency, requests)
  local sums = {}
  local names = {
    "event_requests", "refused_requests", "phase_answers", "phase_202", "phase_503", "phase_other", "total_202", "total_400",
    "total_503", "total_other",
  }
  for _, name in ipairs(names) do sums[name] = 0 end
  local seconds = 0
  for _, thread in ipairs(threads) do
    for _, name in ipairs(names) do sums[name] = sums[name] + (thread:get(name) or 0) end
    seconds = thread:get("event_seconds") or seconds
  end
  io.write(string.format(
    "phase seconds=%.2f answers=%d per_second=%.2f status_202=%d status_503=%d status_other=%d\n",
    seconds, sums.phase_answers, sums.phase_answers / seconds, sums.phase_202, sums.phase_503, sums.phase_other))
  io.write(string.format(
    "total status_202=%d status_400=%d status_503=%d status_other=%d event_requests=%d refused_requests=%d "
      .. "socket_errors=%d timeouts=%d\n",
    sums.total_202, sums.total_400, sums.total_503, sums.total_other, sums.event_requests, sums.refused_requests,
    summary.errors.connect + summary.errors.read + summary.errors.write, summary.errors.timeout))
end
