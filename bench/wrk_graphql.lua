-- wrk script of bench/compare.py: POSTs the requests of a spec file in turn (the first argument
-- after `--`; a Lua file returning { {path=, headers=, body=}, ... }) and prints one JSON line with
-- the latency percentiles and the responses that were not a clean GraphQL answer.
local requests = {}
local counter = 0
bad = 0 -- per thread, summed in done(): responses not 200 or with "errors" in the body
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  local spec = dofile(args[1])
  for i, r in ipairs(spec) do
    requests[i] = wrk.format("POST", r.path, r.headers, r.body)
  end
  -- Each thread starts at its own place in the cycle, so a write/read pair is not in lock step.
  counter = math.random(0, #requests - 1)
end

function request()
  counter = counter % #requests + 1
  return requests[counter]
end

function response(status, headers, body)
  if status ~= 200 or string.find(body, '"errors"', 1, true) then
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local failed = 0
  for _, thread in ipairs(threads) do
    failed = failed + thread:get("bad")
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "bad": %d, "wrk_errors": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "mean_us": %.1f}\n',
    summary.requests, summary.duration, failed, e.connect + e.read + e.write + e.timeout + e.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean))
end
