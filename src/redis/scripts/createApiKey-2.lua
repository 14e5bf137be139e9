--[[
  Stores a new API key unless its id is taken.
  Input:
    KEYS[1] hash of id → secret hash (every stored key)
    KEYS[2] the key's record, by secret hash
    ARGV[1] id
    ARGV[2] SHA-256 of the secret
    ARGV[3] record (JSON)
  Output:
    1 when stored, 0 when the id is taken
]]
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then
  return 0
end
redis.call('HSET', KEYS[2], 'record', ARGV[3], 'hash', ARGV[2])
return 1
