--[[
  Undoes a cut-through claim whose upload its admission then refused (the two went out together):
  the job goes, and so do its Idempotency-Key and dedupe entries while they still name it, so a
  retry once the quota allows is a new upload; its waiters are told (they find it gone).
  Input:
    KEYS[1] the job's hash, KEYS[2] its Idempotency-Key entry, KEYS[3] its dedupe entry
    ARGV[1] job id, ARGV[2] channel, ARGV[3] message
  Output:
    1 dropped; 0 not a cut-through job (any more)
]]
if redis.call('HGET', KEYS[1], 'direct') ~= 'true' then return 0 end
redis.call('DEL', KEYS[1])
for i = 2, 3 do
  if redis.call('GET', KEYS[i]) == ARGV[1] then redis.call('DEL', KEYS[i]) end
end
redis.call('PUBLISH', ARGV[2], ARGV[3])
return 1
