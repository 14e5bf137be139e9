--[[
  Leases the fairest next job. First returns due retries (delayed) and expired leases (their
  dispatcher died or stalled) to the head of their keys' lists, oldest first, so order within a key
  holds. Then takes the head job of the key with the smallest start tag (start-time fair queueing):
  the global virtual time becomes that tag, and the key's next job starts 1/weight later.
  Job and list names are built from the queue base (they are only known here); all share its hash tag.
  Input:
    KEYS[1] queue state hash
    KEYS[2] active keys ZSET
    KEYS[3] waiting jobs ZSET
    KEYS[4] leases ZSET (job id -> lease expiry)
    KEYS[5] delayed ZSET (job id -> due time)
    KEYS[6] this lease's token entry (-> job id, for the lease's lifetime), so a caller whose reply
            was lost can find the job it leased
    ARGV[1] lease (ms), ARGV[2] lane id, ARGV[3] lease token, ARGV[4] queue base
  Due times and lease expiries are on Redis's clock (TIME), shared by every instance.
  Output:
    {} when nothing is queued; else { more, due in, then the leased job's hash as a flat field/value list }:
    more = 1 when other jobs wait (the dispatcher leases again without asking first); otherwise
    due in = ms until the next retry or lease expiry is due (-1: none), so it sleeps until then
]]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local base = ARGV[4]

local back = {}
for _, set in ipairs({KEYS[5], KEYS[4]}) do
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', set, '-inf', now, 'LIMIT', 0, 100)) do
    redis.call('ZREM', set, id)
    local fields = redis.call('HMGET', base .. 'job:' .. id, 'keyId', 'status', 'seq', 'createdAt')
    if fields[1] and (fields[2] == 'queued' or fields[2] == 'active') then
      table.insert(back, {id = id, keyId = fields[1], seq = tonumber(fields[3]), createdAt = fields[4]})
    end
  end
end
-- pushed newest first, so the oldest ends at the head
table.sort(back, function(a, b) return a.seq > b.seq end)
for _, job in ipairs(back) do
  redis.call('LPUSH', base .. 'wait:' .. job.keyId, job.id)
  redis.call('HSET', base .. 'job:' .. job.id, 'status', 'queued')
  redis.call('HDEL', base .. 'job:' .. job.id, 'leaseToken')
  redis.call('ZADD', KEYS[3], job.createdAt, job.id)
  if not redis.call('ZSCORE', KEYS[2], job.keyId) then
    -- give back the charge taken when it was dequeued, so a returned job keeps its turn
    local vtime = tonumber(redis.call('HGET', KEYS[1], 'vtime') or '0')
    local weight = tonumber(redis.call('HGET', KEYS[1], 'w:' .. job.keyId) or '1')
    local last = tonumber(redis.call('HGET', KEYS[1], 'tag:' .. job.keyId) or '0')
    redis.call('ZADD', KEYS[2], math.max(vtime, last - 1 / weight), job.keyId)
  end
end

while true do
  local head = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
  if #head == 0 then return {} end
  local keyId, start = head[1], tonumber(head[2])
  local list = base .. 'wait:' .. keyId
  local id = redis.call('LPOP', list)
  local finish = start + 1 / tonumber(redis.call('HGET', KEYS[1], 'w:' .. keyId) or '1')
  if redis.call('LLEN', list) > 0 then
    redis.call('ZADD', KEYS[2], finish, keyId)
  else
    redis.call('ZREM', KEYS[2], keyId)
    redis.call('HSET', KEYS[1], 'tag:' .. keyId, finish)
  end
  if id then
    local job = base .. 'job:' .. id
    redis.call('HSET', KEYS[1], 'vtime', start)
    redis.call('HSET', job, 'status', 'active', 'lane', ARGV[2], 'leaseToken', ARGV[3])
    redis.call('ZADD', KEYS[4], now + tonumber(ARGV[1]), id)
    redis.call('SET', KEYS[6], id, 'PX', ARGV[1])
    redis.call('ZREM', KEYS[3], id)
    local reply = redis.call('HGETALL', job)
    local dueIn = -1
    for _, set in ipairs({KEYS[5], KEYS[4]}) do
      local first = redis.call('ZRANGE', set, 0, 0, 'WITHSCORES')
      if #first == 2 and (dueIn < 0 or tonumber(first[2]) - now < dueIn) then dueIn = math.max(0, tonumber(first[2]) - now) end
    end
    table.insert(reply, 1, dueIn)
    table.insert(reply, 1, redis.call('ZCARD', KEYS[2]) > 0 and 1 or 0)
    return reply
  end
end
