--[[
  Holds a leased job: it was accepted for another upstream than the one this gateway sends to. It
  leaves the leases but is not put back in its key's list, so no dispatcher leases it again; it
  stays in the waiting set, so it is still counted and listed as queued, until released.
  Only the lease holder may do this.
  Input:
    KEYS[1] leases ZSET
    KEYS[2] held ZSET (job id -> createdAt)
    KEYS[3] waiting jobs ZSET
    KEYS[4] the job's hash
    KEYS[5] the lease's token entry (removed: the lease ends here)
    ARGV[1] job id, ARGV[2] lease token
  Output:
    1 held; 0 the lease was lost (expired and taken again, or the job ended)
]]
if redis.call('HGET', KEYS[4], 'leaseToken') ~= ARGV[2] then return 0 end
local createdAt = redis.call('HGET', KEYS[4], 'createdAt')
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[2], createdAt, ARGV[1])
redis.call('ZADD', KEYS[3], createdAt, ARGV[1])
redis.call('HSET', KEYS[4], 'status', 'queued', 'held', 'true')
redis.call('HDEL', KEYS[4], 'leaseToken')
redis.call('DEL', KEYS[5])
return 1
