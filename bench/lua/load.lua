-- wrk script shared by every bench scenario (driven by bench/run.py).
--
-- Arguments after "--" are key=value pairs:
--   json_file, json_path     POST each line of json_file (cycled) to json_path,
--                            with a unique Idempotency-Key per request
--   mime_file, mime_path     POST the MIME template with @@UNIQUE@@ replaced by a
--                            unique token (Message-ID), optionally HMAC-signed:
--   hmac_secret, hmac_header, hmac_prefix   header = prefix .. hex(HMAC-SHA256(secret, body));
--   hmac_ts_header           also send unix seconds in that header and sign ts .. "." .. body
--   get_file                 GET each line of get_file (cycled); get_weight=N gives the GET
--                            N slots in the rotation
--   api_key                  sent as X-API-Key
--   nonce                    makes keys unique across wrk invocations
--   rate                     requests/s for this thread (0: as fast as possible);
--                            a fixed schedule kept by delay(), the wrk2 idea
--   max_requests             stop after that many responses per thread (0: no cap)
-- When several generators are configured, requests rotate among them.
-- done() prints one line "WRK_RESULT {json}" for bench/run.py to parse.

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clk_id, bench_timespec *tp);
int kill(int pid, int sig);
int getpid(void);
]]
local ts = ffi.new("bench_timespec")
local function now_us()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1000000 + tonumber(ts.tv_nsec) / 1000
end

local threads = {}
local next_id = 1

function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local function read_lines(path)
  local lines = {}
  for line in io.lines(path) do
    if #line > 0 then table.insert(lines, line) end
  end
  assert(#lines > 0, "no lines in " .. path)
  return lines
end

local function read_all(path)
  local f = assert(io.open(path, "rb"))
  local data = f:read("*a")
  f:close()
  return data
end

local hmac_hex
local function make_hmac()
  ffi.cdef [[
  typedef struct evp_md_st EVP_MD;
  const EVP_MD *EVP_sha256(void);
  unsigned char *HMAC(const EVP_MD *evp_md, const void *key, int key_len,
                      const unsigned char *d, size_t n, unsigned char *md,
                      unsigned int *md_len);
  ]]
  local ok, crypto = pcall(ffi.load, "libcrypto.so.3")
  if not ok then crypto = ffi.C end
  local md = ffi.new("unsigned char[64]")
  local md_len = ffi.new("unsigned int[1]")
  return function(secret, data)
    crypto.HMAC(crypto.EVP_sha256(), secret, #secret, data, #data, md, md_len)
    local out = {}
    for i = 0, md_len[0] - 1 do out[#out + 1] = string.format("%02x", md[i]) end
    return table.concat(out)
  end
end

local gens = {}
local counter = 0
local gen_index = 0
local rate_interval_us = 0
local next_slot = 0
local max_requests = 0
local nonce = "0"
local api_key

-- exported to done() through thread:get (numbers only)
sent = 0
responses = 0
late = 0
max_lag_ms = 0
statuses_2xx = 0
statuses_4xx = 0
statuses_5xx = 0

function init(args)
  local opt = {}
  for _, a in ipairs(args) do
    local k, v = a:match("^([%w_]+)=(.*)$")
    if k then opt[k] = v end
  end
  nonce = opt.nonce or tostring(os.time())
  api_key = opt.api_key
  max_requests = tonumber(opt.max_requests or "0")
  local rate = tonumber(opt.rate or "0")
  if rate > 0 then rate_interval_us = 1000000 / rate end

  local base_headers = {}
  if api_key and #api_key > 0 then base_headers["X-API-Key"] = api_key end

  if opt.json_file then
    local bodies = read_lines(opt.json_file)
    local i = 0
    table.insert(gens, function(n)
      i = i % #bodies + 1
      local h = { ["Content-Type"] = "application/json",
                  ["Idempotency-Key"] = string.format("bench-%s-%d-%d", nonce, tid, n) }
      for k, v in pairs(base_headers) do h[k] = v end
      return wrk.format("POST", opt.json_path, h, bodies[i])
    end)
  end
  if opt.mime_file then
    local template = read_all(opt.mime_file)
    local pre, post = template:match("^(.-)@@UNIQUE@@(.*)$")
    assert(pre, "mime template needs @@UNIQUE@@")
    if opt.hmac_secret then hmac_hex = make_hmac() end
    table.insert(gens, function(n)
      local body = pre .. string.format("%s.%d.%d", nonce, tid, n) .. post
      local h = { ["Content-Type"] = opt.mime_ctype or "message/rfc822" }
      for k, v in pairs(base_headers) do h[k] = v end
      if hmac_hex then
        local signed = body
        if opt.hmac_ts_header then
          local ts = tostring(os.time())
          h[opt.hmac_ts_header] = ts
          signed = ts .. "." .. body
        end
        h[opt.hmac_header or "X-Signature"] = (opt.hmac_prefix or "") .. hmac_hex(opt.hmac_secret, signed)
      end
      return wrk.format("POST", opt.mime_path, h, body)
    end)
  end
  if opt.get_file then
    local paths = read_lines(opt.get_file)
    local i = 0
    local h = {}
    for k, v in pairs(base_headers) do h[k] = v end
    -- GETs repeat, so pre-build them (wrk's advice for hot request())
    local reqs = {}
    for j, p in ipairs(paths) do reqs[j] = wrk.format("GET", p, h) end
    local get = function(n)
      i = i % #reqs + 1
      return reqs[i]
    end
    for _ = 1, tonumber(opt.get_weight or "1") do table.insert(gens, get) end
  end
  assert(#gens > 0, "configure json_file, mime_file or get_file")

  if rate_interval_us == 0 then delay = nil end
  if max_requests == 0 then response = nil end
end

function delay()
  local now = now_us()
  if next_slot == 0 then next_slot = now end
  local wait = next_slot - now
  if wait < 0 then
    -- behind schedule: every connection was busy when this slot came due
    local lag = -wait / 1000
    if lag > 1 then late = late + 1 end
    if lag > max_lag_ms then max_lag_ms = lag end
    wait = 0
  end
  next_slot = next_slot + rate_interval_us
  return math.floor(wait / 1000)
end

function request()
  counter = counter + 1
  sent = counter
  gen_index = gen_index % #gens + 1
  return gens[gen_index](counter)
end

function response(status, headers, body)
  responses = responses + 1
  if status < 300 then statuses_2xx = statuses_2xx + 1
  elseif status < 500 then statuses_4xx = statuses_4xx + 1
  else statuses_5xx = statuses_5xx + 1 end
  if responses == max_requests then
    wrk.thread:stop()
    -- wrk's main thread sleeps for -d regardless; SIGINT ends that sleep so the
    -- summary's duration is the real one (with -t > 1 the first thread to finish ends the run)
    ffi.C.kill(ffi.C.getpid(), 2)
  end
end

function done(summary, latency, requests)
  local late_total, lag_max = 0, 0
  for _, t in ipairs(threads) do
    late_total = late_total + (t:get("late") or 0)
    local l = t:get("max_lag_ms") or 0
    if l > lag_max then lag_max = l end
  end
  local e = summary.errors
  local parts = {
    string.format('"duration_us":%d', summary.duration),
    string.format('"requests":%d', summary.requests),
    string.format('"bytes":%d', summary.bytes),
    string.format('"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}',
      e.connect, e.read, e.write, e.status, e.timeout),
    string.format('"latency_us":{"min":%d,"mean":%.1f,"stdev":%.1f,"max":%d,"p50":%d,"p75":%d,"p90":%d,"p99":%d,"p999":%d}',
      latency.min, latency.mean, latency.stdev, latency.max,
      latency:percentile(50), latency:percentile(75), latency:percentile(90),
      latency:percentile(99), latency:percentile(99.9)),
    string.format('"late":%d,"max_lag_ms":%.1f', late_total, lag_max),
  }
  io.write("WRK_RESULT {" .. table.concat(parts, ",") .. "}\n")
end
