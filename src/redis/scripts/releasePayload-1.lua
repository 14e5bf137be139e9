--[[
  Drops one reference on a payload; the metadata goes with the last one, and the caller deletes
  the chunks (they live in other slots, so no script can).
  Input:
    KEYS[1] payload metadata hash
  Output:
    { blob id, chunk count } when this was the last reference; {} otherwise (or when unknown)
]]
if redis.call('EXISTS', KEYS[1]) == 0 then return {} end
if redis.call('HINCRBY', KEYS[1], 'refs', -1) > 0 then return {} end
local blob = redis.call('HMGET', KEYS[1], 'blob', 'chunks')
redis.call('DEL', KEYS[1])
return { blob[1], blob[2] }
