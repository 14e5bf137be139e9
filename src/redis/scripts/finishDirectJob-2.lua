--[[
  Ends a cut-through job with its result or error, unless it is no longer the cut-through's (its
  lease ran out, or it was handed to the queue), and announces the finish to every instance's
  waiters (repeats of it wait there). Its record is kept for the result TTL, like a queued job's,
  so Idempotency-Key and dedupe repeats are answered by it. Time is the server's (TIME).
  Input:
    KEYS[1] the job's hash
    KEYS[2] finished jobs ZSET (job id -> finishedAt)
    ARGV[1] job id, ARGV[2] status (done|failed), ARGV[3] field (result|error), ARGV[4] its JSON,
    ARGV[5] result TTL (ms), ARGV[6] most finished jobs listed, ARGV[7] channel, ARGV[8] message,
    ARGV[9] upstream attempts in all ('' = keep the job's count)
  Output:
    1 ended now; 0 not a cut-through job (any more)
]]
if redis.call('HGET', KEYS[1], 'direct') ~= 'true' then return 0 end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local fields = { 'status', ARGV[2], ARGV[3], ARGV[4], 'finishedAt', now }
if ARGV[9] and ARGV[9] ~= '' then
  fields[#fields + 1] = 'attempts'
  fields[#fields + 1] = ARGV[9]
end
redis.call('HSET', KEYS[1], unpack(fields))
redis.call('HDEL', KEYS[1], 'direct')
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('ZADD', KEYS[2], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - tonumber(ARGV[5]))
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -tonumber(ARGV[6]) - 1)
redis.call('PUBLISH', ARGV[7], ARGV[8])
return 1
