--[[
  Says what one blob's chunks must be now, after the caller changed their expiry (renewed them for
  the jobs owning the payload, or shortened them when none did): chunk expiries are set outside any
  script, so the payload may have changed hands in between.
  Input:
    KEYS[1] payload metadata hash
    KEYS[2] payload renewals ZSET
    ARGV[1] the payload's SHA-256, ARGV[2] blob id,
    ARGV[3] epoch ms the chunks, just renewed, are next due for renewal ('' when they were shortened)
  Output:
    {0} not this payload's chunks (any more): delete them
    {1} owned by a job, and renewed (next due at ARGV[3], recorded)
    {2} owned by a job, but shortened: due for renewal now (recorded)
    {3, epoch ms} no job owns it: the chunks may go at that time (0: now; see settlePayload)
]]
--- @include "settlePayload"

local state = redis.call('HMGET', KEYS[1], 'blob', 'refs')
if state[1] ~= ARGV[2] then
  if not state[1] then redis.call('ZREM', KEYS[2], ARGV[1]) end
  return {0}
end
if tonumber(state[2] or '0') > 0 then
  if ARGV[3] == '' then
    redis.call('ZADD', KEYS[2], 0, ARGV[1])
    return {2}
  end
  redis.call('ZADD', KEYS[2], 'XX', ARGV[3], ARGV[1])
  return {1}
end
local time = redis.call('TIME')
local chunks = settlePayload(KEYS[1], tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000))
return {3, chunks[3]}
