-- wrk script for weft's own routes (the anchor routes are measured by bench-anchors/bench.lua).
--
--   MODE=random   GET PATH_PREFIX<random id in 1..MAX_ID>        (e.g. /user-profile/, warm cache)
--   MODE=fill     GET PATH_PREFIX<1, 2, ... MAX_ID, 1, ...>      (visits every id once per MAX_ID requests)
--   MODE=fixed    GET ROUTE                                      (e.g. /health/live)
--   MODE=user-key GET PATH_PREFIX<random id in 1..MAX_ID> with X-API-Key KEY_PREFIX<id>, that user's own key
--                 (run-vs-anchors.sh gives user <id> the key wk_bench<id>; a user key may read only its own user)
--   MODE=create   POST /users with a unique email and username per request (RUN_TAG keeps runs apart)
-- API_KEY, when set, goes out as X-API-Key. Prints one line at the end:
--   RESULT requests=.. duration_us=.. rps=.. p50_us=.. p90_us=.. p99_us=.. max_us=.. non2xx=.. connect=.. ...
local mode = os.getenv("MODE") or "fixed"
local max_id = tonumber(os.getenv("MAX_ID") or "100000")
local prefix = os.getenv("PATH_PREFIX") or "/users/"
local fixed_path = os.getenv("ROUTE") or "/health/live"
local run_tag = os.getenv("RUN_TAG") or tostring(os.time())
local api_key = os.getenv("API_KEY")
local key_prefix = os.getenv("KEY_PREFIX") or "wk_bench"

local headers = {}
if api_key and api_key ~= "" then headers["X-API-Key"] = api_key end

local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

local sequence = 0
local fixed_request
function init(args)
  math.randomseed(os.time() * 1000 + (tid or 0))
  if mode == "fixed" then
    fixed_request = wrk.format("GET", fixed_path, headers)
  elseif mode == "create" then
    headers["Content-Type"] = "application/json"
  end
end

function request()
  sequence = sequence + 1
  if mode == "random" then
    return wrk.format("GET", prefix .. math.random(1, max_id), headers)
  elseif mode == "user-key" then
    local id = math.random(1, max_id)
    headers["X-API-Key"] = key_prefix .. id
    return wrk.format("GET", prefix .. id, headers)
  elseif mode == "fill" then
    -- with several threads each walks its own share of the ids
    return wrk.format("GET", prefix .. (((sequence - 1) * threads + (tid or 1) - 1) % max_id + 1), headers)
  elseif mode == "create" then
    local name = string.format("b%s-%d-%d", run_tag, tid or 1, sequence)
    local body = string.format('{"email":"%s@example.com","username":"%s","credits":100}', name, name)
    return wrk.format("POST", "/users", headers, body)
  end
  return fixed_request
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d rps=%.1f p50_us=%d p90_us=%d p99_us=%d max_us=%d non2xx=%d connect=%d read=%d write=%d timeout=%d\n",
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.status, e.connect, e.read, e.write, e.timeout))
end
