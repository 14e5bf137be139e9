--[[
  Puts a leased job back until `due` (retry backoff, or now after an upstream 429); the next
  dequeue after that returns it to the head of its key's list. Only the lease holder may do this.
  Input:
    KEYS[1] leases ZSET
    KEYS[2] delayed ZSET
    KEYS[3] waiting jobs ZSET
    KEYS[4] the job's hash
    KEYS[5] the lease's token entry (removed: the lease ends here)
    ARGV[1] job id, ARGV[2] lease token, ARGV[3] delay (ms, from Redis's clock: TIME), ARGV[4] attempts to add (0/1)
  Output:
    1 requeued; 0 the lease was lost (expired and taken again, or the job ended)
]]
if redis.call('HGET', KEYS[4], 'leaseToken') ~= ARGV[2] then return 0 end
redis.call('ZREM', KEYS[1], ARGV[1])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZADD', KEYS[2], now + math.max(0, tonumber(ARGV[3])), ARGV[1])
redis.call('ZADD', KEYS[3], redis.call('HGET', KEYS[4], 'createdAt'), ARGV[1])
redis.call('HINCRBY', KEYS[4], 'attempts', ARGV[4])
redis.call('HSET', KEYS[4], 'status', 'queued')
redis.call('HDEL', KEYS[4], 'leaseToken')
redis.call('DEL', KEYS[5])
return 1
