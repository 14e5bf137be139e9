--[[
  Claims an upload for the cut-through (forwarded straight from its request, never queued) when
  nothing waits: Idempotency-Key and dedupe first (an earlier job is returned, as enqueueJob does),
  then the backlog (any key with jobs waiting means this upload must queue behind them, so fair
  queueing keeps its meaning). A claimed job is recorded as active and marked direct, so repeats
  find it; it is in no list or lease set (its bytes are held by one process only), and it expires
  after the lease if that process dies mid-forward.
  Input:
    KEYS[1] active keys ZSET (keys with jobs waiting)
    KEYS[2] the new job's hash
    KEYS[3] Idempotency-Key entry (ignored unless ARGV[4] = 1)
    KEYS[4] dedupe entry (ignored unless ARGV[5] = 1)
    ARGV[1] job id, ARGV[2] lease (ms), ARGV[3] result TTL (ms), ARGV[4] use Idempotency-Key (1/0),
    ARGV[5] use dedupe (1/0), ARGV[6..] job field/value pairs
  Output:
    {1, id} claimed; {2, id} existing job for the Idempotency-Key; {3, id} existing job for the same bytes;
    {0} jobs are waiting: queue it
]]
local jobPrefix = string.sub(KEYS[2], 1, #KEYS[2] - #ARGV[1])

if ARGV[4] == '1' then
  local existing = redis.call('GET', KEYS[3])
  if existing and redis.call('EXISTS', jobPrefix .. existing) == 1 then return {2, existing} end
end
if ARGV[5] == '1' then
  local existing = redis.call('GET', KEYS[4])
  local status = existing and redis.call('HGET', jobPrefix .. existing, 'status')
  if status and status ~= 'failed' then return {3, existing} end
end
if redis.call('ZCARD', KEYS[1]) > 0 then return {0} end

-- One HSET: each call from a script costs more than the fields it writes. Later pairs win.
local fields = { unpack(ARGV, 6) }
for _, value in ipairs({ 'status', 'active', 'direct', 'true' }) do fields[#fields + 1] = value end
redis.call('HSET', KEYS[2], unpack(fields))
redis.call('PEXPIRE', KEYS[2], ARGV[2])
if ARGV[4] == '1' then redis.call('SET', KEYS[3], ARGV[1], 'PX', ARGV[3]) end
if ARGV[5] == '1' then redis.call('SET', KEYS[4], ARGV[1], 'PX', ARGV[3]) end
return {1, ARGV[1]}
