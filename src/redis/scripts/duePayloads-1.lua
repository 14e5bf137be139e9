--[[
  The payloads owned by jobs whose chunks are due for renewal: half of their staging TTL or of
  their last renewal lease is spent (0: their lifetime is not known, so at once).
  Input:
    KEYS[1] payload renewals ZSET (SHA-256 -> epoch ms its chunks are due for renewal)
    ARGV[1] renewal lease (ms), ARGV[2] most payloads answered
  Output:
    { epoch ms the renewed chunks are to live until (now + the lease), SHA-256... }
]]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))
table.insert(due, 1, now + tonumber(ARGV[1]))
return due
