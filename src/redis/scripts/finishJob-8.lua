--[[
  Ends a job with its result or error (the first answer wins), wherever it is: leased, or already
  back in its key's list after its lease expired. Its record is kept for the result TTL.
  Input:
    KEYS[1] queue state hash
    KEYS[2] active keys ZSET
    KEYS[3] waiting jobs ZSET
    KEYS[4] leases ZSET
    KEYS[5] delayed ZSET
    KEYS[6] finished jobs ZSET (job id -> finishedAt)
    KEYS[7] the job's hash
    KEYS[8] the job's key's waiting list
    ARGV[1] job id, ARGV[2] status (done|failed), ARGV[3] field (result|error), ARGV[4] its JSON,
    ARGV[5] now (ms), ARGV[6] result TTL (ms), ARGV[7] most finished jobs listed,
    ARGV[8] upstream attempts in all ('' = keep the job's count)
  Output:
    1 ended now; 0 already ended or unknown
]]
local status = redis.call('HGET', KEYS[7], 'status')
if not status or status == 'done' or status == 'failed' then return 0 end
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

redis.call('HSET', KEYS[7], 'status', ARGV[2], ARGV[3], ARGV[4], 'finishedAt', ARGV[5])
if ARGV[8] ~= '' then redis.call('HSET', KEYS[7], 'attempts', ARGV[8]) end
redis.call('HDEL', KEYS[7], 'leaseToken')
redis.call('PEXPIRE', KEYS[7], ARGV[6])
redis.call('HINCRBY', KEYS[1], 'jobs', -1)
redis.call('HINCRBY', KEYS[1], 'bytes', 0 - size) -- never "-0", which HINCRBY refuses
if redis.call('HINCRBY', KEYS[1], 'n:' .. keyId, -1) <= 0 then redis.call('HDEL', KEYS[1], 'n:' .. keyId) end

redis.call('ZADD', KEYS[6], ARGV[5], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[6], '-inf', tonumber(ARGV[5]) - tonumber(ARGV[6]))
redis.call('ZREMRANGEBYRANK', KEYS[6], 0, -tonumber(ARGV[7]) - 1)
return 1
