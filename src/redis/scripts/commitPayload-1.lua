--[[
  Records a fully streamed payload under its content address and takes one reference on it.
  Identical bytes already stored are kept once: the caller then deletes its own copy's chunks.
  Input:
    KEYS[1] payload metadata hash (by SHA-256): blob, size, chunks, refs
    ARGV[1] blob id (names the chunk keys), ARGV[2] size in bytes, ARGV[3] chunk count
  Output:
    { 1, refs } stored as this blob; { 0, refs } already stored (the caller's chunks are not needed)
]]
if redis.call('EXISTS', KEYS[1]) == 1 then
  return { 0, redis.call('HINCRBY', KEYS[1], 'refs', 1) }
end
redis.call('HSET', KEYS[1], 'blob', ARGV[1], 'size', ARGV[2], 'chunks', ARGV[3], 'refs', 1)
return { 1, 1 }
