--[[
  Reads, in one step, what the position of a waiting job in fair order depends on (read only).
  Input:
    KEYS[1] active keys ZSET (key id -> start tag of its head job)
    KEYS[2] queue state hash (w:<key> weights)
    KEYS[3] the job's key's waiting list
    ARGV[1] job id, ARGV[2] queue base (the waiting lists of the other active keys are named from it;
            they share its hash tag)
  Output:
    {} when the job is not waiting; else { index in its key's list, then per active key:
    key id, start tag, weight, waiting length }
]]
local index = redis.call('LPOS', KEYS[3], ARGV[1])
if not index then return {} end
local reply = { index }
local active = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
for i = 1, #active, 2 do
  local keyId = active[i]
  table.insert(reply, keyId)
  table.insert(reply, active[i + 1])
  table.insert(reply, redis.call('HGET', KEYS[2], 'w:' .. keyId) or '1')
  table.insert(reply, redis.call('LLEN', ARGV[2] .. 'wait:' .. keyId))
end
return reply
