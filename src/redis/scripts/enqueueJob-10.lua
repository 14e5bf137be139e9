--[[
  Accepts one upload job: Idempotency-Key and dedupe first (an earlier job is returned), then
  backpressure, then the push onto the key's FIFO list and, if the key was idle, its activation in
  the fair-queueing set at max(global virtual time, the key's last finish tag).
  Input:
    KEYS[1] queue state hash (jobs, bytes, seq, vtime, n:<key>, w:<key>, tag:<key>)
    KEYS[2] active keys ZSET (key id -> start tag of its head job)
    KEYS[3] waiting jobs ZSET (job id -> createdAt)
    KEYS[4] the new job's hash
    KEYS[5] the key's waiting list
    KEYS[6] Idempotency-Key entry (ignored unless ARGV[10] = 1)
    KEYS[7] dedupe entry (ignored unless ARGV[11] = 1)
    KEYS[8] the job id's refusal mark (set by refuseJob when the gateway answered 503 for it)
    KEYS[9] the job's payload metadata hash (a name that does not exist when the job has no payload)
    KEYS[10] payload renewals ZSET
    ARGV[1] job id, ARGV[2] key id, ARGV[3] key weight, ARGV[4] payload bytes, ARGV[5] now (ms),
    ARGV[6] result TTL (ms), ARGV[7] max jobs, ARGV[8] max bytes, ARGV[9] max jobs per key,
    ARGV[10] use Idempotency-Key (1/0), ARGV[11] use dedupe (1/0),
    ARGV[12] channel and ARGV[13] message of the enqueue notice (published when a job is created, so
    idle dispatchers on every instance wake without a round trip of their own),
    ARGV[14] payload SHA-256 ('' for none), ARGV[15] answer the job's fair order too (1/0: its client
    is answered 202 with its position now), ARGV[16] latest time (epoch ms, Redis's clock) at which
    the job may still be created: after it, the gateway may have answered its client 503 (0: none),
    ARGV[17..] job field/value pairs
  The job id is chosen by the gateway, so running this twice (a reply lost, the call repeated)
  creates one job.
  The new job takes over the request's hold on its payload: the payload is the job's from here
  (persistent, and listed for its chunks' renewal when it is the first job to own it), and goes
  when the job ends (finishJob).
  Output:
    {1, order, now, job...} created (or already created by this same id); {4, …} created, and its
    payload's chunks are due for renewal now; {2, …} existing job for the Idempotency-Key; {3, …}
    existing job for the same bytes; job... is its hash as field/value pairs, order what fairOrderOf
    answers for it ({} unless ARGV[15] = 1), now Redis's time (epoch ms).
    {-1} too many jobs; {-2} too many bytes; {-3} too many jobs for this key; {-4} this id was refused
    (or this call arrived after ARGV[16]: a stall held it back past its client's answer);
    {-5} the payload is no longer stored (its hold expired before the enqueue arrived)
  A job the cut-through claimed under this id (claimDirectJob) is taken over: its entries already
  name it, and its record loses the direct mark and the expiry.
]]
--- @include "fairOrderOf"

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local jobPrefix = string.sub(KEYS[4], 1, #KEYS[4] - #ARGV[1])
local base = string.sub(jobPrefix, 1, #jobPrefix - #'job:')
local function alive(id)
  if not id then return false end
  local status = redis.call('HGET', jobPrefix .. id, 'status')
  return status and status ~= 'failed'
end

local function answer(code, id)
  local order = {}
  local keyId = redis.call('HGET', jobPrefix .. id, 'keyId')
  if ARGV[15] == '1' and keyId then order = fairOrderOf(KEYS[2], KEYS[1], base .. 'wait:' .. keyId, id, base) end
  local reply = {code, order, now}
  for _, value in ipairs(redis.call('HGETALL', jobPrefix .. id)) do table.insert(reply, value) end
  return reply
end

if redis.call('EXISTS', KEYS[8]) == 1 then return {-4} end
if redis.call('EXISTS', KEYS[4]) == 1 and redis.call('HGET', KEYS[4], 'direct') ~= 'true' then return answer(1, ARGV[1]) end
if ARGV[10] == '1' then
  local existing = redis.call('GET', KEYS[6])
  if existing and existing ~= ARGV[1] and redis.call('EXISTS', jobPrefix .. existing) == 1 then return answer(2, existing) end
end
if ARGV[11] == '1' then
  local existing = redis.call('GET', KEYS[7])
  if existing ~= ARGV[1] and alive(existing) then return answer(3, existing) end
end

if ARGV[14] ~= '' and redis.call('EXISTS', KEYS[9]) == 0 then return {-5} end
if ARGV[16] ~= '0' and now > tonumber(ARGV[16]) then return {-4} end

local keyId = ARGV[2]
local size = tonumber(ARGV[4])
if tonumber(redis.call('HGET', KEYS[1], 'jobs') or '0') + 1 > tonumber(ARGV[7]) then return {-1} end
if tonumber(redis.call('HGET', KEYS[1], 'bytes') or '0') + size > tonumber(ARGV[8]) then return {-2} end
if tonumber(redis.call('HGET', KEYS[1], 'n:' .. keyId) or '0') + 1 > tonumber(ARGV[9]) then return {-3} end

local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
redis.call('HDEL', KEYS[4], 'direct', 'lane')
redis.call('PERSIST', KEYS[4])
redis.call('HSET', KEYS[4], unpack(ARGV, 17))
redis.call('HSET', KEYS[4], 'seq', seq)
redis.call('HINCRBY', KEYS[1], 'jobs', 1)
redis.call('HINCRBY', KEYS[1], 'bytes', size)
redis.call('HINCRBY', KEYS[1], 'n:' .. keyId, 1)
redis.call('HSET', KEYS[1], 'w:' .. keyId, ARGV[3])
redis.call('ZADD', KEYS[3], ARGV[5], ARGV[1])
redis.call('RPUSH', KEYS[5], ARGV[1])
if not redis.call('ZSCORE', KEYS[2], keyId) then
  local vtime = tonumber(redis.call('HGET', KEYS[1], 'vtime') or '0')
  local last = tonumber(redis.call('HGET', KEYS[1], 'tag:' .. keyId) or '0')
  redis.call('ZADD', KEYS[2], math.max(vtime, last), keyId)
end
if ARGV[10] == '1' then redis.call('SET', KEYS[6], ARGV[1], 'PX', ARGV[6]) end
if ARGV[11] == '1' then redis.call('SET', KEYS[7], ARGV[1], 'PX', ARGV[6]) end
local created = 1
if ARGV[14] ~= '' then
  redis.call('PERSIST', KEYS[9])
  -- Where its bytes are, kept on the job so a dispatch reads them without looking this up.
  local stored = redis.call('HMGET', KEYS[9], 'blob', 'chunks')
  redis.call('HSET', KEYS[4], 'payloadAt', stored[1] .. ':' .. stored[2])
  -- The first owner's chunks are due for renewal when half their staging TTL is spent; when that is
  -- not known (they were shortened for a failed record), at once: score 0, and the caller is told.
  if redis.call('HINCRBY', KEYS[9], 'refs', 1) == 1 then
    local renewAt = tonumber(redis.call('HGET', KEYS[9], 'renewAt') or '0')
    redis.call('ZADD', KEYS[10], renewAt, ARGV[14])
    if renewAt == 0 then created = 4 end
  end
  if redis.call('HINCRBY', KEYS[9], 'holds', -1) <= 0 then redis.call('HDEL', KEYS[9], 'holds', 'held') end
end
redis.call('PUBLISH', ARGV[12], ARGV[13])
return answer(created, ARGV[1])
