--[[
  Admits one request against every quota window of an API key and of a client IP, atomically:
  every window is checked against the policy before any is charged, and a rejection charges nothing.
  Windows are fixed and start at their first use; each counter is a hash { used, reset }.
  Input:
    KEYS[1..#KEYS-1] window counters, the key's first, then the IP's
    KEYS[#KEYS]      sorted set of client IPs by admitted uploads
    ARGV[1] policy: "all" = every window needs room; "any" = the key's windows or the IP's windows need room
    ARGV[2] how many counters are the key's
    ARGV[3] client IP (member of KEYS[#KEYS])
    ARGV[4] most IPs kept in KEYS[#KEYS]
    ARGV[5] lifetime of KEYS[#KEYS] in ms
    ARGV[6..] per counter: limit, window length in ms
  Time is Redis's own (TIME), so every gateway instance decides on one clock however theirs drift.
  Output:
    { admitted (1 or 0), now (epoch ms, Redis's), used_1, resetAt_1, used_2, resetAt_2, ... } after the decision
]]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local keyCounters = tonumber(ARGV[2])
local counters = #KEYS - 1
local used, reset = {}, {}
local keyRoom, ipRoom = true, true

for i = 1, counters do
  local limit = tonumber(ARGV[4 + 2 * i])
  local state = redis.call('HMGET', KEYS[i], 'used', 'reset')
  local resetAt = tonumber(state[2])
  if resetAt and resetAt > now then
    used[i], reset[i] = tonumber(state[1]) or 0, resetAt
  else
    used[i], reset[i] = 0, now + tonumber(ARGV[5 + 2 * i])
  end
  if used[i] >= limit then
    if i <= keyCounters then keyRoom = false else ipRoom = false end
  end
end

-- Under "any" a scope without windows has no say (else it would let everything in).
local hasKey, hasIp = keyCounters > 0, counters > keyCounters
local admitted
if ARGV[1] == 'any' then
  admitted = (not hasKey and not hasIp) or (hasKey and keyRoom) or (hasIp and ipRoom)
else
  admitted = keyRoom and ipRoom
end

local reply = { admitted and 1 or 0, now }
for i = 1, counters do
  if admitted then
    used[i] = used[i] + 1
    if used[i] == 1 then
      -- A window starting now: its counter lives until it ends (a running one keeps that expiry).
      redis.call('HSET', KEYS[i], 'used', 1, 'reset', reset[i])
      redis.call('PEXPIRE', KEYS[i], reset[i] - now)
    else
      redis.call('HSET', KEYS[i], 'used', used[i])
    end
  end
  reply[2 * i + 1] = used[i]
  reply[2 * i + 2] = reset[i]
end

if admitted then
  local ranking = KEYS[#KEYS]
  -- Only a new member grows the ranking past its size (a refund removes members it brings to 0).
  if tonumber(redis.call('ZINCRBY', ranking, 1, ARGV[3])) == 1 then
    local excess = redis.call('ZCARD', ranking) - tonumber(ARGV[4])
    if excess > 0 then redis.call('ZREMRANGEBYRANK', ranking, 0, excess - 1) end
  end
  redis.call('PEXPIRE', ranking, ARGV[5])
end
return reply
