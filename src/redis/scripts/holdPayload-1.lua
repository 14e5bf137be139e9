--[[
  Takes a hold on a payload already stored, for a job about to be created for it (an operator's
  retry of a failed job). A payload no job owns keeps its expiry (its chunks are known to live only
  that long): the job is created at once.
  Input:
    KEYS[1] payload metadata hash
    ARGV[1] how long the hold lasts (ms) on a payload a job owns
  Output:
    1 held; 0 not stored
]]
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HINCRBY', KEYS[1], 'holds', 1)
if tonumber(redis.call('HGET', KEYS[1], 'refs') or '0') > 0 then
  local time = redis.call('TIME')
  local holdUntil = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000) + tonumber(ARGV[1])
  if holdUntil > tonumber(redis.call('HGET', KEYS[1], 'held') or '0') then redis.call('HSET', KEYS[1], 'held', holdUntil) end
end
return 1
