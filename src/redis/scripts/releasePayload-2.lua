--[[
  Drops one reference on a payload and deletes the bytes with the last one.
  Input:
    KEYS[1] payload key
    KEYS[2] payload reference count
  Output:
    the reference count left (0 = deleted)
]]
local left = redis.call('DECR', KEYS[2])
if left <= 0 then
  redis.call('DEL', KEYS[1], KEYS[2])
  return 0
end
return left
