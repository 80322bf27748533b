-- post.lua: wrk script for `make bench`: POSTs one chat completion (set
-- BENCH_STREAM=1 for a streaming one) and counts answers og-veil verified
-- (status 200 with X-OpenGradient-Verified: true, or for a stream committed
-- before its verdict the last chunk's opengradient_verification.verified;
-- for streams also the closing "data: [DONE]").  BENCH_STOP_AFTER=n stops
-- a thread after n answers: with n = connections per thread, each
-- connection carries one stream (the streaming-scale run).
local stream = os.getenv("BENCH_STREAM") == "1"
local stop_after = tonumber(os.getenv("BENCH_STOP_AFTER") or "0")
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer og-veil"
if stream then
  wrk.body = '{"model":"gpt-4.1","stream":true,"messages":[{"role":"user","content":"benchmark prompt: one two three four five six seven eight nine ten"}]}'
else
  wrk.body = '{"model":"gpt-4.1","messages":[{"role":"user","content":"benchmark prompt: one two three four five six seven eight nine ten"}]}'
end

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  verified = 0
  bad = 0
  answers = 0
end

-- A stream held past --first-byte is committed before its verdict: then
-- the verdict is the last chunk's opengradient_verification, not a header.
local function verified_answer(status, headers, body)
  local v = headers["X-OpenGradient-Verified"] or headers["x-opengradient-verified"]
  if status ~= 200 then
    return false
  end
  if not stream then
    return v == "true"
  end
  if not string.find(body, "data: [DONE]", 1, true) then
    return false
  end
  return v == "true" or
    string.find(body, '"opengradient_verification":{"verified":true', 1, true) ~= nil
end

function response(status, headers, body)
  if verified_answer(status, headers, body) then
    verified = verified + 1
  else
    bad = bad + 1
  end
  answers = answers + 1
  if stop_after > 0 and answers >= stop_after then
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local v, b = 0, 0
  for _, t in ipairs(threads) do
    v = v + t:get("verified")
    b = b + t:get("bad")
  end
  io.write(string.format("BENCH verified=%d bad=%d requests=%d errors=%d p50_us=%d p99_us=%d duration_us=%d\n",
    v, b, summary.requests, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99), summary.duration))
end
