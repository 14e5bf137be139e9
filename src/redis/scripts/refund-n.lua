--[[
  Gives back one use of an admitted request: each window still running loses one use.
  Input:
    KEYS[1..#KEYS-1] window counters
    KEYS[#KEYS]      sorted set of client IPs by admitted uploads
    ARGV[1] client IP (member of KEYS[#KEYS])
  Time is Redis's own (TIME), the clock admit-n.lua decided on.
  Output:
    the number of counters decremented
]]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local refunded = 0
for i = 1, #KEYS - 1 do
  local state = redis.call('HMGET', KEYS[i], 'used', 'reset')
  if tonumber(state[2]) and tonumber(state[2]) > now and (tonumber(state[1]) or 0) > 0 then
    redis.call('HINCRBY', KEYS[i], 'used', -1)
    refunded = refunded + 1
  end
end
if tonumber(redis.call('ZINCRBY', KEYS[#KEYS], -1, ARGV[1])) <= 0 then
  redis.call('ZREM', KEYS[#KEYS], ARGV[1])
end
return refunded
