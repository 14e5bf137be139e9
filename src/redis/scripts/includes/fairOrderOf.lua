--[[
  What the position of a waiting job in fair order depends on (read only): its index in its key's
  waiting list, then per active key: key id, start tag, weight, waiting length; {} when the job is
  not waiting. The other keys' lists are named from the queue base (they share its hash tag).
]]
local function fairOrderOf(active, state, list, jobId, base)
  local index = redis.call('LPOS', list, jobId)
  if not index then return {} end
  local reply = { index }
  local keys = redis.call('ZRANGE', active, 0, -1, 'WITHSCORES')
  for i = 1, #keys, 2 do
    local keyId = keys[i]
    table.insert(reply, keyId)
    table.insert(reply, keys[i + 1])
    table.insert(reply, redis.call('HGET', state, 'w:' .. keyId) or '1')
    table.insert(reply, redis.call('LLEN', base .. 'wait:' .. keyId))
  end
  return reply
end
