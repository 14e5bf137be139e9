--[[
  Forgets a finished job now (an operator's purge) instead of after the result TTL. A failed job's
  payload, kept for it, is let go with it: deleted when no job owns it and nothing else holds or
  keeps it (see settlePayload).
  Input:
    KEYS[1] the job's hash
    KEYS[2] finished jobs ZSET
    KEYS[3] the job's payload metadata hash (a name that does not exist when the job has no payload)
    ARGV[1] job id
  Output:
    {0} not finished (or unknown); {1} forgotten; {1, blob, chunks, epoch ms} forgotten, and what
    becomes of its payload's chunks (the caller applies it)
]]
--- @include "settlePayload"

local state = redis.call('HMGET', KEYS[1], 'status', 'keepsPayload')
if state[1] ~= 'done' and state[1] ~= 'failed' then return {0} end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
if state[2] ~= 'true' or redis.call('EXISTS', KEYS[3]) == 0 then return {1} end
-- Other failed records keeping it: it stays until the latest of them expires.
if redis.call('HINCRBY', KEYS[3], 'kept', -1) > 0 then return {1} end
redis.call('HDEL', KEYS[3], 'kept', 'keep')
if tonumber(redis.call('HGET', KEYS[3], 'refs') or '0') > 0 then return {1} end
local time = redis.call('TIME')
local chunks = settlePayload(KEYS[3], tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000))
return {1, chunks[1], chunks[2], chunks[3]}
