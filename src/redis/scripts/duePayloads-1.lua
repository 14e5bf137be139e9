--[[
  The payloads owned by jobs whose chunks are due for renewal: known to live less than half a
  renewal lease more (just taken over by a job: score 0).
  Input:
    KEYS[1] payload renewals ZSET (SHA-256 -> epoch ms its chunks are known to live until)
    ARGV[1] renewal lease (ms), ARGV[2] most payloads answered
  Output:
    { epoch ms the renewed chunks are to live until (now + the lease), SHA-256... }
]]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local lease = tonumber(ARGV[1])
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now + math.floor(lease / 2), 'LIMIT', 0, tonumber(ARGV[2]))
table.insert(due, 1, now + lease)
return due
