--[[
  Ends a job with its result or error (the first answer wins), wherever it is: leased, or already
  back in its key's list after its lease expired. In the same step it drops the job's ownership of
  its payload and announces the finish, so no instance sees one without the others. Its record is
  kept for the result TTL; per-key fields of the queue state go once the key has no job left, and
  the whole state hash once the queue is empty (an idle queue leaves no keys behind).
  A failed job keeps its payload as long as its record (so an operator can retry it): the payload
  then expires with the record, unless another job owns it; removeFinishedJob lets it go sooner.
  Input:
    KEYS[1] queue state hash
    KEYS[2] active keys ZSET
    KEYS[3] waiting jobs ZSET
    KEYS[4] leases ZSET
    KEYS[5] delayed ZSET
    KEYS[6] finished jobs ZSET (job id -> finishedAt)
    KEYS[7] the job's hash
    KEYS[8] the job's key's waiting list
    KEYS[9] the job's payload metadata hash (a name that does not exist when the job has no payload)
    KEYS[10] the caller's lease token entry (removed: the lease ends here)
    KEYS[11] payload renewals ZSET
    ARGV[1] job id, ARGV[2] status (done|failed), ARGV[3] field (result|error), ARGV[4] its JSON,
    ARGV[5] result TTL (ms), ARGV[6] most finished jobs listed, ARGV[7] channel, ARGV[8] message,
    ARGV[9] lease token of the caller ('' when it holds none),
    ARGV[10] upstream attempts in all ('' = keep the job's count), ARGV[11] payload SHA-256 ('' for none)
  Time (finishedAt) is Redis's own.
  Output:
    {1} ended now (or by this same lease, its reply lost); {1, blob, chunks, epoch ms} and no job
    owns the payload any more: the caller applies that to its chunks (see settlePayload);
    {0} already ended or unknown
]]
--- @include "settlePayload"

local status = redis.call('HGET', KEYS[7], 'status')
if not status then return {0} end
if status == 'done' or status == 'failed' then
  if ARGV[9] ~= '' and redis.call('HGET', KEYS[7], 'finishedBy') == ARGV[9] then
    local chunks = redis.call('HMGET', KEYS[7], 'chunkBlob', 'chunkCount', 'chunkUntil')
    if chunks[1] then return {1, chunks[1], chunks[2], tonumber(chunks[3])} end
    return {1}
  end
  return {0}
end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local keyId = redis.call('HGET', KEYS[7], 'keyId')
local size = tonumber(redis.call('HGET', KEYS[7], 'size') or '0')

if redis.call('LREM', KEYS[8], 1, ARGV[1]) > 0 and redis.call('LLEN', KEYS[8]) == 0 then
  local start = redis.call('ZSCORE', KEYS[2], keyId)
  if start then
    redis.call('ZREM', KEYS[2], keyId)
    redis.call('HSET', KEYS[1], 'tag:' .. keyId, start)
  end
end
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[4], ARGV[1])
redis.call('ZREM', KEYS[5], ARGV[1])

redis.call('HSET', KEYS[7], 'status', ARGV[2], ARGV[3], ARGV[4], 'finishedAt', now, 'finishedBy', ARGV[9])
if ARGV[10] and ARGV[10] ~= '' then redis.call('HSET', KEYS[7], 'attempts', ARGV[10]) end
redis.call('HDEL', KEYS[7], 'leaseToken')
redis.call('DEL', KEYS[10])
redis.call('PEXPIRE', KEYS[7], ARGV[5])
if redis.call('HINCRBY', KEYS[1], 'jobs', -1) <= 0 then
  -- Nothing waits or runs: fair-queueing history no longer orders anything.
  redis.call('DEL', KEYS[1])
else
  redis.call('HINCRBY', KEYS[1], 'bytes', 0 - size) -- never "-0", which HINCRBY refuses
  if redis.call('HINCRBY', KEYS[1], 'n:' .. keyId, -1) <= 0 then
    redis.call('HDEL', KEYS[1], 'n:' .. keyId, 'w:' .. keyId)
    -- A finish tag behind the virtual time would not delay the key's next job: it is history.
    local tag = tonumber(redis.call('HGET', KEYS[1], 'tag:' .. keyId))
    if tag and tag <= tonumber(redis.call('HGET', KEYS[1], 'vtime') or '0') then redis.call('HDEL', KEYS[1], 'tag:' .. keyId) end
  end
end

redis.call('ZADD', KEYS[6], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[6], '-inf', now - tonumber(ARGV[5]))
redis.call('ZREMRANGEBYRANK', KEYS[6], 0, -tonumber(ARGV[6]) - 1)
-- Every id listed expires within the result TTL, and so does the list.
redis.call('PEXPIRE', KEYS[6], ARGV[5])

local reply = {1}
if redis.call('EXISTS', KEYS[9]) == 1 then
  local refs = redis.call('HINCRBY', KEYS[9], 'refs', -1)
  if ARGV[2] == 'failed' then
    local keep = now + tonumber(ARGV[5])
    redis.call('HINCRBY', KEYS[9], 'kept', 1)
    if keep > tonumber(redis.call('HGET', KEYS[9], 'keep') or '0') then redis.call('HSET', KEYS[9], 'keep', keep) end
    redis.call('HSET', KEYS[7], 'keepsPayload', 'true')
  end
  if refs <= 0 then
    redis.call('HDEL', KEYS[9], 'refs')
    redis.call('ZREM', KEYS[11], ARGV[11])
    local chunks = settlePayload(KEYS[9], now)
    -- Kept for a repeat of this finish by the same lease (its reply lost): it gets the same answer.
    redis.call('HSET', KEYS[7], 'chunkBlob', chunks[1], 'chunkCount', chunks[2], 'chunkUntil', chunks[3])
    reply = {1, chunks[1], chunks[2], chunks[3]}
  end
end
redis.call('PUBLISH', ARGV[7], ARGV[8])
return reply
