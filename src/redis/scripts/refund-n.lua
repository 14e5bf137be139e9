--[[
  Gives back one use of an admitted request: each window still running loses one use.
  Input:
    KEYS[1..#KEYS-1] window counters
    KEYS[#KEYS]      sorted set of client IPs by admitted uploads
    ARGV[1] now, epoch ms
    ARGV[2] client IP (member of KEYS[#KEYS])
  Output:
    the number of counters decremented
]]
local now = tonumber(ARGV[1])
local refunded = 0
for i = 1, #KEYS - 1 do
  local state = redis.call('HMGET', KEYS[i], 'used', 'reset')
  if tonumber(state[2]) and tonumber(state[2]) > now and (tonumber(state[1]) or 0) > 0 then
    redis.call('HINCRBY', KEYS[i], 'used', -1)
    refunded = refunded + 1
  end
end
if tonumber(redis.call('ZINCRBY', KEYS[#KEYS], -1, ARGV[2])) <= 0 then
  redis.call('ZREM', KEYS[#KEYS], ARGV[2])
end
return refunded
