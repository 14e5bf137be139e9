--[[
  Moves a fully streamed upload to its content address and takes one reference on it.
  Identical bytes already stored are kept once: the new copy is dropped.
  Input:
    KEYS[1] the streamed upload
    KEYS[2] payload key (by SHA-256)
    KEYS[3] payload reference count
  Output:
    the reference count after this call
]]
if redis.call('EXISTS', KEYS[2]) == 1 then
  redis.call('DEL', KEYS[1])
elseif redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('RENAME', KEYS[1], KEYS[2])
  redis.call('PERSIST', KEYS[2])
else
  -- an empty upload never created its key
  redis.call('SET', KEYS[2], '')
end
return redis.call('INCR', KEYS[3])
