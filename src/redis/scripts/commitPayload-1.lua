--[[
  Records a fully streamed payload under its content address and takes a hold on it for the
  request: until a job takes it over (enqueueJob), it expires by itself — a request that dies, or
  whose reply is lost, leaves nothing behind for longer than the hold.
  Identical bytes already stored are kept once: the caller then deletes its own copy's chunks. A
  copy that no job owns and whose chunks are not known to outlive this hold is replaced by the
  caller's (fresh) one instead, and the caller deletes the old chunks.
  Input:
    KEYS[1] payload metadata hash (by SHA-256)
    ARGV[1] blob id (names the chunk keys), ARGV[2] size in bytes, ARGV[3] chunk count,
    ARGV[4] how long the hold lasts (ms): the caller's chunks live at least that long,
    ARGV[5] ms from now until the caller's chunks are due for renewal once a job owns them
  Output:
    { 1 } stored as this blob; { 1, old blob, its chunk count } stored as this blob, replacing that one;
    { 0 } already stored (the caller's chunks are not needed)
]]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local holdUntil = now + tonumber(ARGV[4])

local function hold()
  redis.call('HINCRBY', KEYS[1], 'holds', 1)
  if holdUntil > tonumber(redis.call('HGET', KEYS[1], 'held') or '0') then redis.call('HSET', KEYS[1], 'held', holdUntil) end
end

local reply = { 1 }
if redis.call('EXISTS', KEYS[1]) == 1 then
  local state = redis.call('HMGET', KEYS[1], 'refs', 'keep', 'blob', 'chunks')
  -- Owned by a job (its chunks are renewed), or kept by a failed record past this hold: use it.
  if tonumber(state[1] or '0') > 0 or tonumber(state[2] or '0') >= holdUntil then
    hold()
    return { 0 }
  end
  reply = { 1, state[3], state[4] }
end
redis.call('HSET', KEYS[1], 'blob', ARGV[1], 'size', ARGV[2], 'chunks', ARGV[3], 'renewAt', now + tonumber(ARGV[5]))
hold()
redis.call('PEXPIREAT', KEYS[1], math.max(holdUntil, tonumber(redis.call('HGET', KEYS[1], 'keep') or '0')))
return reply
